#!/usr/bin/env node
// Builds everything the app runs from, into dist/:
//   electron/main.ts    -> dist/electron/main.cjs     (CJS: Electron's main process)
//   electron/preload.ts -> dist/electron/preload.cjs  (CJS, one file: a sandboxed preload cannot load modules)
//   electron/cli.ts     -> dist/cli.mjs               (ESM with a shebang: the `engawa` command; `--cli-only FILE` builds just it)
//   renderer/           -> dist/renderer/             (Vite, renderer/vite.config.ts)
// `electron` and the runtime `dependencies` stay external: electron-builder packs node_modules.
// Except, in the CJS bundles, dependencies that are ESM only (age-encryption): a CJS `require` of
// them works only through Node's require(esm), which throws for a module with top-level await;
// bundled, esbuild converts them, and would fail the build itself if one ever used top-level await.
import { chmod, readFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
const runtimeDeps = Object.keys(pkg.dependencies ?? {});
/** A package that offers only ESM (type module and no `require` export condition). */
function isEsmOnly(dep) {
  const manifest = JSON.parse(readFileSync(path.join(root, 'node_modules', dep, 'package.json'), 'utf8'));
  const exportsText = JSON.stringify(manifest.exports ?? {});
  return manifest.type === 'module' && !exportsText.includes('"require"');
}
const externalOf = (deps) => ['electron', ...deps, ...deps.map((d) => `${d}/*`)];
const external = externalOf(runtimeDeps);
const esmOnlyDeps = runtimeDeps.filter(isEsmOnly);

/** Options shared by every esbuild bundle. */
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  external,
  sourcemap: true,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
};

async function buildElectron(outdir = path.join(root, 'dist/electron')) {
  await esbuild({
    ...common,
    external: externalOf(runtimeDeps.filter((d) => !esmOnlyDeps.includes(d))),
    entryPoints: { main: 'electron/main.ts', preload: 'electron/preload.ts' },
    outdir,
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    target: 'node22', // the Node inside Electron 45
  });
}

async function buildCli(outfile = path.join(root, 'dist/cli.mjs')) {
  if (!existsSync(path.join(root, 'electron/cli.ts'))) {
    console.log('build: electron/cli.ts does not exist yet, skipping the CLI');
    return;
  }
  await esbuild({
    ...common,
    entryPoints: ['electron/cli.ts'],
    outfile,
    format: 'esm',
    target: 'node20',
    // electron/cli.ts's own #! line is kept by esbuild; a banner would add a second one
  });
  await chmod(outfile, 0o755);
}

async function buildRenderer() {
  await viteBuild({ configFile: path.join(root, 'renderer/vite.config.ts'), logLevel: 'warn' });
}

const started = Date.now();
const [only, target] = process.argv.slice(2);
if (only === '--cli-only') {
  // just the command, to another file (tests check the bundle without touching dist/)
  await buildCli(path.resolve(target));
} else if (only === '--electron-only') {
  // just main.cjs and preload.cjs, to another folder (the bundle-load test)
  await buildElectron(path.resolve(target));
} else {
  await Promise.all([buildElectron(), buildCli()]);
  await buildRenderer();
  console.log(`build: dist/ ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

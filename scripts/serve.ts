/**
 * `npm run serve`: Engawa in a browser, from a clone. A development launcher, so it lives here
 * and not in the core: builds the renderer when it is missing or older than its sources, starts
 * browser mode (electron/core/host/browser-host.ts: the real core on DOCKER_HOST, ENGAWA_HOME,
 * ENGAWA_IMAGES, ENGAWA_RECIPES, and the host), then prints ONE URL.
 * ENGAWA_SERVE_PORT and ENGAWA_SERVE_TOKEN fix the port and token (end-to-end tests, benches).
 * Ctrl-C stops the host; the servers keep running (Docker restart policies).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { startBrowserHost } from '../electron/core/host/browser-host';

const repoRoot = path.resolve(import.meta.dirname, '..');
const rendererSrc = path.join(repoRoot, 'renderer');
const rendererDist = path.join(repoRoot, 'dist', 'renderer');
const log = (line: string): void => console.log(`engawa: ${line}`);

/** Newest modification time of the files under `dir` (0 when it does not exist). */
function newest(dir: string): number {
  let latest = 0;
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) latest = Math.max(latest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
    }
  } catch {
    return 0;
  }
  return latest;
}

/** Vite's command-line script, as npm installed it. */
function viteBin(): string {
  const pkgFile = createRequire(import.meta.url).resolve('vite/package.json');
  const { bin } = JSON.parse(readFileSync(pkgFile, 'utf8')) as { bin: string | Record<string, string> };
  return path.join(path.dirname(pkgFile), typeof bin === 'string' ? bin : (bin.vite ?? 'bin/vite.js'));
}

/**
 * Builds dist/renderer with Vite unless it is newer than every renderer source file. Vite's
 * script runs on this Node directly: no npx, no shell, so it works on Windows too (where Node
 * refuses to spawn npx.cmd without a shell, EINVAL).
 */
function buildRendererIfNeeded(): void {
  let built = 0;
  try {
    built = statSync(path.join(rendererDist, 'index.html')).mtimeMs;
  } catch {
    built = 0;
  }
  if (built > 0 && built >= newest(rendererSrc)) return;
  console.log('serve: building the renderer …');
  const r = spawnSync(process.execPath, [viteBin(), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], { cwd: repoRoot, stdio: 'inherit' });
  if (r.error !== undefined) throw new Error(`Vite could not be started (${r.error.message}); run "npm ci" and try again.`);
  if (r.status !== 0) throw new Error('The renderer build failed (see above).');
}

/** ENGAWA_SERVE_PORT as a port number (absent: any free port). */
function portFrom(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`ENGAWA_SERVE_PORT must be a port number (0 to 65535; 0 picks a free one), not "${value}".`);
  return port;
}

async function main(env: Record<string, string | undefined> = process.env): Promise<void> {
  buildRendererIfNeeded();
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const port = portFrom(env.ENGAWA_SERVE_PORT);
  const { host, stop } = await startBrowserHost({
    env,
    rendererDir: rendererDist,
    version: pkg.version,
    ...(port !== undefined && { port }),
    ...(env.ENGAWA_SERVE_TOKEN && { token: env.ENGAWA_SERVE_TOKEN }),
    log,
  });
  console.log(`\nEngawa is ready. Open this address in your browser (it works on this computer only):${os.EOL}\n  ${host.url}\n`);
  console.log('Press Ctrl-C to stop. Your servers keep running.');
  const quit = (): void => {
    stop()
      .then(() => process.exit(0))
      .catch((e: unknown) => {
        console.error(`engawa serve: stopping failed: ${(e as Error).message}`);
        process.exit(1);
      });
  };
  process.once('SIGINT', quit);
  process.once('SIGTERM', quit);
}

main().catch((e: unknown) => {
  console.error(`engawa serve: ${(e as Error).message}`);
  process.exit(1);
});

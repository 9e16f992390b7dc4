/**
 * `npm run serve`: Engawa in a browser. Builds the renderer when it is missing or older than its
 * sources, starts the real core (the engine, home, images and recipes the CLI would use:
 * DOCKER_HOST, ENGAWA_HOME, ENGAWA_IMAGES, ENGAWA_RECIPES) and the host, then prints ONE URL.
 * ENGAWA_SERVE_PORT and ENGAWA_SERVE_TOKEN fix the port and token (end-to-end tests).
 * Ctrl-C stops the host; the servers keep running (Docker restart policies).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore } from '../api/create-core';
import { createServices, loadImageMap, recipeFilesFromEnv } from '../api/wiring';
import { SettingsStore } from '../api/settings';
import { engawaHome } from '../instances/home';
import { FileSecretStore } from '../instances/secret-store';
import { startHost, type Host } from './server';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const rendererSrc = path.join(repoRoot, 'renderer');
const rendererDist = path.join(repoRoot, 'dist', 'renderer');

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

/** Builds dist/renderer with Vite unless it is newer than every renderer source file. */
function buildRendererIfNeeded(): void {
  let built = 0;
  try {
    built = statSync(path.join(rendererDist, 'index.html')).mtimeMs;
  } catch {
    built = 0;
  }
  if (built > 0 && built >= newest(rendererSrc)) return;
  console.log('serve: building the renderer …');
  const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
  const r = spawnSync(npx, ['vite', 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('The renderer build failed (see above).');
}

/** Starts core and host from the environment; resolves to the running host. */
export async function serve(env: Record<string, string | undefined> = process.env): Promise<{ host: Host; stop: () => Promise<void> }> {
  const home = engawaHome(env);
  const images = await loadImageMap(env.ENGAWA_IMAGES);
  const secrets = new FileSecretStore(home);
  const services = createServices({
    home,
    env,
    images,
    recipeFiles: recipeFilesFromEnv(env),
    secrets,
    log: (line) => console.log(`engawa: ${line}`),
  });
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const core = createCore({
    services,
    settings: await SettingsStore.open(home),
    info: { version: pkg.version, platform: process.platform, shell: 'browser', systemLanguages: [Intl.DateTimeFormat().resolvedOptions().locale] },
    log: (line) => console.log(`engawa: ${line}`),
    backups: { secrets, images, env },
  });
  const host = await startHost({
    core,
    rendererDir: rendererDist,
    ...(env.ENGAWA_SERVE_PORT && { port: Number(env.ENGAWA_SERVE_PORT) }),
    ...(env.ENGAWA_SERVE_TOKEN && { token: env.ENGAWA_SERVE_TOKEN }),
    log: (line) => console.log(`engawa: ${line}`),
  });
  return {
    host,
    stop: async () => {
      await host.close();
      await core.close();
    },
  };
}

async function main(): Promise<void> {
  buildRendererIfNeeded();
  const { host, stop } = await serve();
  console.log(`\nEngawa is ready. Open this address in your browser (it works on this computer only):${os.EOL}\n  ${host.url}\n`);
  console.log('Press Ctrl-C to stop. Your servers keep running.');
  const quit = () => void stop().then(() => process.exit(0));
  process.once('SIGINT', quit);
  process.once('SIGTERM', quit);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((e: unknown) => {
    console.error(`engawa serve: ${(e as Error).message}`);
    process.exit(1);
  });
}

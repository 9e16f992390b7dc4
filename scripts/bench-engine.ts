/**
 * What the benches share: the engine they run on (the one at DOCKER_HOST, or else the private test
 * engine, scripts/test-engine.sh, started for the run and stopped again at its end) and the CLI as
 * users run it (bundled, plain node, no TypeScript loader).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';

const repo = path.resolve(import.meta.dirname, '..');

/** Makes sure DOCKER_HOST names a running engine; `stop()` stops it only when this started it. */
export function useBenchEngine(): { stop(): void } {
  if (process.env.DOCKER_HOST) return { stop: () => undefined };
  const r = spawnSync('bash', ['scripts/test-engine.sh', 'start'], { cwd: repo, encoding: 'utf8' });
  const host = /DOCKER_HOST=(\S+)/.exec(r.stdout)?.[1];
  if (r.status !== 0 || host === undefined) throw new Error(`scripts/test-engine.sh start failed:\n${r.stderr}`);
  process.env.DOCKER_HOST = host;
  return { stop: () => void spawnSync('bash', ['scripts/test-engine.sh', 'stop'], { cwd: repo }) };
}

/**
 * Bundles electron/cli.ts into node_modules/.cache/engawa-bench/<name>.mjs and returns its path.
 * It sits inside the repo so that its external packages resolve from node_modules.
 */
export async function bundleCli(name: string): Promise<string> {
  const outfile = path.join(repo, 'node_modules/.cache/engawa-bench', `${name}.mjs`);
  await build({
    entryPoints: [path.join(repo, 'electron/cli.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    packages: 'external',
    logLevel: 'error',
  });
  return outfile;
}

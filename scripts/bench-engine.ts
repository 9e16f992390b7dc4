/**
 * The engine every bench runs on: the one at DOCKER_HOST, or else the private test engine
 * (scripts/test-engine.sh), started for the run and stopped again at its end.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

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

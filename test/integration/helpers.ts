/**
 * Shared set-up for integration tests on the real engine at DOCKER_HOST: the local image map,
 * a temporary Engawa home, the CLI run in-process with captured output, label queries, running a
 * command in a container, and HTTP with a chosen Host header.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Dockerode from 'dockerode';
import { runCli } from '../../electron/core/cli/run';
import { execIn } from '../../electron/core/engine/exec';
import { LABELS } from '../../electron/core/plan/types';
import { PROBE_IMAGE } from '../../electron/core/engine/vm-probe';
import type { Recipe } from '../../electron/core/stacks/types';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const TEST_RECIPE = path.join(REPO, 'test/fixtures/recipes/test-web.json');

/** Official references used by the test recipe → images built by scripts/build-test-images.sh. */
export const LOCAL_IMAGES: Record<string, string> = {
  'docker.io/library/postgres:15': 'local/postgres:15',
  'docker.io/library/redis:7': 'local/redis:7',
  'docker.io/library/busybox:1': 'local/busybox-httpd:1',
  // the probe container that measures disk and CPU inside the engine (engine/vm-probe.ts)
  [PROBE_IMAGE]: 'local/busybox-httpd:1',
};

export function docker(): Dockerode {
  const host = process.env.DOCKER_HOST;
  if (!host?.startsWith('unix://')) throw new Error('Integration tests need DOCKER_HOST=unix://… (see scripts/test-engine.sh)');
  return new Dockerode({ socketPath: host.slice('unix://'.length) });
}

export function uniqueName(prefix = 'it'): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

export async function tempHome(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'engawa-it-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: () => unknown;
}

/** Runs `engawa …` in-process against the real engine with the test recipe and local images. */
export async function cli(home: string, args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: {
      DOCKER_HOST: process.env.DOCKER_HOST,
      HOME: process.env.HOME,
      ENGAWA_HOME: home,
      ENGAWA_RECIPES: TEST_RECIPE,
      ENGAWA_IMAGES: JSON.stringify(LOCAL_IMAGES),
      ...env,
    },
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}

/** Everything on the engine that carries the project's compose label. */
export async function labelled(project: string): Promise<{ containers: string[]; volumes: string[]; networks: string[] }> {
  const d = docker();
  const filters = { label: [`${LABELS.project}=${project}`] };
  const [containers, volumes, networks] = await Promise.all([
    d.listContainers({ all: true, filters }),
    d.listVolumes({ filters }),
    d.listNetworks({ filters }),
  ]);
  return {
    containers: containers.map((c) => c.Names[0] ?? c.Id),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name),
    networks: networks.map((n) => n.Name),
  };
}

/** Polls until `fn` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Waits until Docker's own health check calls the container healthy. A start ends as soon as the
 * services' checks pass when Engawa runs them (engine/start-probe.ts); Docker's first check of its
 * own comes up to an interval later.
 */
export async function dockerHealthy(container: string | Dockerode.Container, timeoutMs = 30_000): Promise<void> {
  const c = typeof container === 'string' ? docker().getContainer(container) : container;
  const health = async (): Promise<string | undefined> => (await c.inspect()).State.Health?.Status;
  await eventually(async () => ((await health()) === 'healthy' ? true : undefined), timeoutMs, `Docker to call ${c.id} healthy`);
}

/** Runs `cmd` in the container with that name or id and returns its output (stdout, then stderr), whatever its exit code. */
export async function execOutput(container: string, cmd: string[]): Promise<string> {
  const r = await execIn(docker().getContainer(container), cmd);
  return r.stdout + r.stderr;
}

/** GET `url` with a chosen Host header (fetch cannot set Host). */
export function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Official image → local image: the app images to their stand-ins, PostgreSQL and Redis to the real local ones. */
export function standinImageMap(recipe: Recipe, standin: string): Record<string, string> {
  const local = (image: string): string => {
    if (/^postgres:/.test(image)) return 'local/postgres:15';
    if (/^redis:/.test(image)) return 'local/redis:7';
    return standin;
  };
  return { ...Object.fromEntries(recipe.services.map((s) => [s.image, local(s.image)])), [PROBE_IMAGE]: 'local/busybox-httpd:1' };
}

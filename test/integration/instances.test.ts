/**
 * The instance manager on the real engine: Docker events drive the state (a killed container is
 * seen at once), a dockerd restart is survived, and the exported compose project runs with
 * Debian's docker-compose on the same local images to the same healthy state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connectEngine, realDiscoveryEnv } from '../../electron/core/engine/connect';
import { DockerEngine } from '../../electron/core/engine/engine';
import { InstanceManager } from '../../electron/core/instances/manager';
import { FileSecretStore } from '../../electron/core/instances/secret-store';
import { getRecipe, listRecipes } from '../../electron/core/stacks/registry';
import type { InstanceState } from '../../electron/core/instances/types';
import { docker, eventually, labelled, LOCAL_IMAGES, REPO, tempHome, TEST_RECIPE, uniqueName } from './helpers';
import { expectInspectClean } from './inspect-secrets';

let home: { dir: string; cleanup: () => Promise<void> };
let manager: InstanceManager;
const name = uniqueName('inst');
const project = `engawa-${name}`;

function newManager(): InstanceManager {
  return new InstanceManager({
    home: home.dir,
    engine: async () => {
      const { docker: d, endpoint } = await connectEngine({ discovery: realDiscoveryEnv() });
      return new DockerEngine(d, { endpoint });
    },
    secrets: new FileSecretStore(home.dir),
    recipes: { get: (id) => getRecipe(id, { extraRecipeFiles: [TEST_RECIPE] }), list: () => listRecipes({ extraRecipeFiles: [TEST_RECIPE] }) },
    images: LOCAL_IMAGES,
  });
}

async function allHealthy(): Promise<true | undefined> {
  const s = await manager.status(name);
  return s.state === 'running' && s.services.every((x) => x.health === 'healthy') ? true : undefined;
}

/** Subscribes to state changes of our instance; resolves `connected` once the event stream is up. */
function watchStates(): { states: { state: InstanceState; at: number }[]; close: () => void } {
  const states: { state: InstanceState; at: number }[] = [];
  const sub = manager.watch((n, state) => {
    if (n === name) states.push({ state, at: performance.now() });
  });
  return { states, close: () => sub.close() };
}

/** Waits until the watcher's event stream is up: restart redis and wait for the watcher to report it. */
async function waitForStream(states: { state: InstanceState }[]): Promise<void> {
  const before = states.length;
  await docker().getContainer(`${project}-redis-1`).restart({ t: 1 });
  await eventually(async () => (states.length > before ? true : undefined), 10_000, 'the first event through the watcher');
  await eventually(allHealthy, 30_000, 'healthy again after the poke');
}

beforeAll(async () => {
  home = await tempHome();
  manager = newManager();
  await manager.create({ stack: 'test-web', name, domain: 'inst.example' });
});

afterAll(async () => {
  await manager.destroy(name).catch(() => {});
  await home.cleanup();
});

describe('instance state from Docker events', () => {
  it('sees a killed container within a second, without polling', async () => {
    const w = watchStates();
    try {
      await waitForStream(w.states);
      const before = w.states.length;
      const t = performance.now();
      await docker().getContainer(`${project}-web-1`).kill();
      const seen = await eventually(async () => w.states.slice(before).find((s) => s.state !== 'running'), 5_000, 'a state change after the kill');
      expect(seen.at - t).toBeLessThan(1000);
      expect(seen.state).toBe('degraded');
      // (an explicit `docker kill` is not restarted by the restart policy; start brings it back)
      await manager.start(name);
      await eventually(async () => (w.states.at(-1)?.state === 'running' ? true : undefined), 10_000, 'running reported');
    } finally {
      w.close();
    }
  });
});

describe('containers', () => {
  it('drop every capability but the recipe’s, and docker inspect shows only the env secrets it lists', async () => {
    const recipe = getRecipe('test-web', { extraRecipeFiles: [TEST_RECIPE] });
    const secrets = await new FileSecretStore(home.dir).get(name);
    expect(await expectInspectClean(project, recipe, secrets)).toEqual(['db', 'redis', 'web']);
  });
});

const engineIsOurs = spawnSync('bash', [path.join(REPO, 'scripts/test-engine.sh'), 'status'], { encoding: 'utf8' }).stdout.includes('(ours)');

describe.skipIf(!engineIsOurs)('dockerd restart (only on the private test engine)', () => {
  it('brings the services back by restart policy and reconnects the event stream', async () => {
    const w = watchStates();
    try {
      await waitForStream(w.states);
      execFileSync('bash', [path.join(REPO, 'scripts/test-engine.sh'), 'restart'], { stdio: 'inherit' });
      // the disconnect is reported as 'unknown', then the restart policy brings everything back
      await eventually(async () => (w.states.some((s) => s.state === 'unknown') ? true : undefined), 30_000, 'the disconnect');
      await eventually(allHealthy, 120_000, 'all healthy after the dockerd restart');
      // events flow again on the reconnected stream
      const before = w.states.length;
      await docker().getContainer(`${project}-web-1`).kill();
      await eventually(async () => w.states.slice(before).find((s) => s.state !== 'running'), 10_000, 'an event after reconnecting');
      await manager.start(name);
    } finally {
      w.close();
    }
  });
});

describe('compose export', () => {
  it('runs with docker-compose on the same local images and reaches the same healthy state', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'engawa-compose-'));
    const out = path.join(dir, 'project');
    const env = { ...process.env };
    try {
      const status = await manager.status(name);
      const localUrl = status.localUrl!;
      await manager.exportCompose(name, out);
      await manager.destroy(name);
      expect(await labelled(project)).toEqual({ containers: [], volumes: [], networks: [] });

      execFileSync('docker-compose', ['up', '-d'], { cwd: out, env, stdio: 'pipe' });
      const healthy = async () => {
        const cs = await docker().listContainers({ filters: { label: [`com.docker.compose.project=${project}`] } });
        const services = cs.filter((c) => c.Labels['com.docker.compose.oneoff'] !== 'True');
        return services.length === 3 && services.every((c) => c.Status.includes('(healthy)')) ? true : undefined;
      };
      await eventually(healthy, 120_000, 'the compose project healthy');
      // compose runs them as Engawa does: every capability dropped, the recipe's added back
      for (const c of await docker().listContainers({ filters: { label: [`com.docker.compose.project=${project}`] } })) {
        const host = (await docker().getContainer(c.Id).inspect()).HostConfig;
        const service = c.Labels['com.docker.compose.service'];
        expect(host.CapDrop, service).toEqual(['ALL']);
        expect(host.CapAdd ?? [], service).toEqual(service === 'web' ? [] : expect.arrayContaining(['CHOWN', 'SETGID', 'SETUID']));
      }
      const res = await fetch(`${localUrl}/health`);
      expect(res.status).toBe(200);
      // the same objects, by the same names, as Engawa makes them
      const objs = await labelled(project);
      expect(objs.networks).toEqual([`${project}_default`]);
      expect(objs.containers.sort()).toEqual([`/${project}-db-1`, `/${project}-redis-1`, `/${project}-web-1`]);
    } finally {
      spawnSync('docker-compose', ['down', '-v', '--remove-orphans'], { cwd: out, env });
      await rm(dir, { recursive: true, force: true });
    }
    expect(await labelled(project)).toEqual({ containers: [], volumes: [], networks: [] });
  });
});

/**
 * The watchdog on the real engine, with a one-service recipe whose health check fails while a file
 * exists: /tmp/sick (the command removes it at every start) or /data/sick (kept: it survives restarts).
 * - in-process: a service made unhealthy is restarted by the watchdog after its grace (2 s) and is
 *   healthy again; one that stays unhealthy is restarted up to the cap, then given up with its last
 *   log lines;
 * - `engawa watch` in a child process does the same headless, a second `watch` refuses naming it,
 *   and it exits 0 on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../../electron/core/api/wiring';
import { FileSecretStore } from '../../electron/core/instances';
import { createWatchdog, type WatchAction, type Watchdog, type WatchTiming } from '../../electron/core/watch';
import { CLOUDFLARED_IMAGE } from '../../electron/core/tunnel/connector';
import { buildStandin, STANDIN } from '../stubs/cloudflare/standin';
import { cli, docker, eventually, execOutput, LOCAL_IMAGES, REPO, TEST_RECIPE, tempHome, uniqueName } from './helpers';

const GRACE_S = 2;
const name = uniqueName('wd');
const container = `engawa-${name}-web-1`;
let home: { dir: string; cleanup: () => Promise<void> };
let recipeDir: string;
let recipeFile: string;

/** The test stack cut down to its web service, with a health check that fails while a "sick" file exists. */
async function writeRecipe(): Promise<void> {
  const base = JSON.parse(await readFile(TEST_RECIPE, 'utf8')) as Record<string, unknown> & { services: Record<string, unknown>[] };
  const web = base.services.find((s) => s.name === 'web')!;
  const recipe = {
    ...base,
    id: 'watch-web',
    name: 'Watchdog test stack',
    secrets: [],
    volumes: [{ name: 'data', description: 'survives restarts', backup: 'data' }],
    services: [
      {
        name: 'web',
        image: 'docker.io/library/busybox:1',
        command: ['sh', '-c', 'rm -f /tmp/sick; echo web starting; exec httpd -f -v -p 8080 -h /www'],
        mounts: [{ volume: 'data', target: '/data' }],
        ports: web.ports,
        files: web.files,
        healthcheck: { test: ['CMD-SHELL', 'test ! -f /tmp/sick && test ! -f /data/sick'], intervalMs: 500, timeoutMs: 2000, retries: 2, startPeriodMs: 0 },
        unhealthyGraceS: GRACE_S,
        stopTimeoutS: 2,
      },
    ],
    setup: [],
    backup: {},
  };
  await writeFile(recipeFile, JSON.stringify(recipe));
}

/** A watchdog (not started) over the test home's servers, with `images` and shorter `timing`, collecting its actions. */
function watchdogOver(images: Record<string, string>, actions: WatchAction[], timing: Partial<WatchTiming>): Watchdog {
  const services = createServices({
    home: home.dir,
    env: { DOCKER_HOST: process.env.DOCKER_HOST },
    images,
    recipeFiles: [recipeFile],
    secrets: new FileSecretStore(home.dir),
  });
  return createWatchdog({ manager: services.manager, engine: services.engine, log: () => {}, onAction: (a) => actions.push(a), timing });
}

const health = async (): Promise<string | undefined> => (await docker().getContainer(container).inspect()).State.Health?.Status;
const healthIs = (want: string) => async (): Promise<true | undefined> => ((await health()) === want ? true : undefined);
const env = (): Record<string, string> => ({ ENGAWA_RECIPES: recipeFile, ENGAWA_IMAGES: JSON.stringify(LOCAL_IMAGES) });

beforeAll(async () => {
  home = await tempHome();
  recipeDir = await mkdtemp(path.join(os.tmpdir(), 'engawa-wd-recipe-'));
  recipeFile = path.join(recipeDir, 'watch-web.json');
  await writeRecipe();
  const r = await cli(home.dir, ['create', 'watch-web', '--name', name, '--domain', `${name}.example.com`], env());
  expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  await cli(home.dir, ['destroy', name, '--yes'], env());
  await home.cleanup();
  await rm(recipeDir, { recursive: true, force: true });
});

describe('the watchdog on the real engine', () => {
  let watchdog: Watchdog | undefined;
  afterAll(async () => watchdog?.stop());

  it('restarts a service unhealthy past its grace, then gives up after the cap with its last log lines', async () => {
    const actions: WatchAction[] = [];
    watchdog = watchdogOver(LOCAL_IMAGES, actions, { backoffMs: 1000, maxBackoffMs: 2000, cap: 3 });
    watchdog.start();
    await new Promise((r) => setTimeout(r, 500)); // subscribed

    // a passing sickness: the service's command removes /tmp/sick when it starts again
    await execOutput(container, ['touch', '/tmp/sick']);
    await eventually(healthIs('unhealthy'), 10_000, 'web unhealthy');
    const unhealthyAt = Date.now();
    await eventually(async () => (actions.some((a) => a.kind === 'restart') ? true : undefined), 20_000, 'a restart');
    expect(Date.now() - unhealthyAt).toBeGreaterThanOrEqual(GRACE_S * 1000 - 600);
    expect(actions[0]).toMatchObject({ instance: name, service: 'web', kind: 'restart', reason: expect.stringMatching(/grace 2 s.*restart 1 of at most 3/) });
    await eventually(healthIs('healthy'), 15_000, 'web healthy again');

    // a lasting one: /data survives restarts, so after two more restarts it gives up
    await execOutput(container, ['touch', '/data/sick']);
    await eventually(async () => (actions.some((a) => a.kind === 'give-up') ? true : undefined), 60_000, 'give-up');
    expect(actions.map((a) => a.kind)).toEqual(['restart', 'restart', 'restart', 'give-up']);
    expect(actions[3]!.lastLogLines).toContain('web starting');
    await watchdog.stop();
    watchdog = undefined;
  });

  it('runs headless as `engawa watch` in a child process, refuses a second one and exits 0 on SIGTERM', async () => {
    await execOutput(container, ['rm', '-f', '/data/sick']);
    await eventually(healthIs('healthy'), 15_000, 'web healthy');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'electron/cli.ts'), 'watch'], {
      cwd: REPO,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DOCKER_HOST: process.env.DOCKER_HOST, ENGAWA_HOME: home.dir, ...env() },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      await eventually(async () => (err.includes('watching the servers') ? true : undefined), 30_000, '`engawa watch` to start');
      const second = await cli(home.dir, ['watch'], env());
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`A watchdog runs already: engawa watch (process ${child.pid}`);

      await execOutput(container, ['touch', '/tmp/sick']);
      await eventually(async () => (new RegExp(`restart +${name}/web: unhealthy for`).test(out) ? true : undefined), 30_000, 'the restart printed');
      await eventually(healthIs('healthy'), 15_000, 'web healthy again');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(err).toContain('stopped watching');
  });
});

/**
 * The tunnel's connector (the cloudflared stand-in, which answers `cloudflared tunnel … ready`
 * from its /ready file): one that stops answering is unhealthy, and the watchdog restarts it after
 * its grace; after a wake from sleep, the re-check runs the ready check itself and restarts exactly
 * the connector that is not ready, leaving the web service alone.
 */
describe('the watchdog and the tunnel connector on the real engine', () => {
  const tunnelled = uniqueName('wdt');
  const connector = `engawa-${tunnelled}-cloudflared-1`;
  const web = `engawa-${tunnelled}-web-1`;
  const images = { ...LOCAL_IMAGES, [CLOUDFLARED_IMAGE]: STANDIN };
  const tunnelEnv = (): Record<string, string> => ({ ENGAWA_RECIPES: recipeFile, ENGAWA_IMAGES: JSON.stringify(images) });
  let watchdog: Watchdog | undefined;
  const startedAt = async (c: string): Promise<string> => (await docker().getContainer(c).inspect()).State.StartedAt;
  const connectorHealth = async (): Promise<string | undefined> => (await docker().getContainer(connector).inspect()).State.Health?.Status;

  beforeAll(async () => {
    await buildStandin(docker());
    const tokenFile = path.join(recipeDir, 'tunnel-token');
    // a connector token as Cloudflare's dashboard gives one: base64 JSON of the account, the tunnel id and its secret
    await writeFile(tokenFile, Buffer.from(JSON.stringify({ a: 'test-account', t: randomUUID(), s: randomBytes(32).toString('base64') })).toString('base64'));
    const domain = `${tunnelled}.example.com`;
    const r = await cli(
      home.dir,
      ['create', 'watch-web', '--name', tunnelled, '--domain', domain, '--tunnel', 'token', '--tunnel-token-file', tokenFile, '--hostname', domain],
      tunnelEnv(),
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  });

  afterAll(async () => {
    await watchdog?.stop();
    await cli(home.dir, ['destroy', tunnelled, '--yes'], tunnelEnv());
  });

  it('restarts a connector that stops answering /ready, and after a wake restarts exactly the one not ready', async () => {
    const actions: WatchAction[] = [];
    watchdog = watchdogOver(images, actions, { defaultGraceS: 2, backoffMs: 1000, maxBackoffMs: 2000, recheckGraceMs: 1000 });
    watchdog.start();
    await new Promise((r) => setTimeout(r, 500)); // subscribed
    await eventually(async () => ((await connectorHealth()) === 'healthy' ? true : undefined), 60_000, 'the connector healthy');

    // it stops answering: unhealthy after its health check's retries, restarted after the grace, ready again
    const before = await startedAt(connector);
    await execOutput(connector, ['rm', '/standin/www/ready']);
    await eventually(
      async () => (actions.some((a) => a.service === 'cloudflared' && a.kind === 'restart') ? true : undefined),
      60_000,
      'the connector restarted',
    );
    expect(actions.find((a) => a.kind === 'restart')).toMatchObject({
      instance: tunnelled,
      service: 'cloudflared',
      reason: expect.stringMatching(/unhealthy for \d+ s \(grace 2 s\)/),
    });
    expect(await startedAt(connector)).not.toBe(before);
    await eventually(async () => ((await connectorHealth()) === 'healthy' ? true : undefined), 60_000, 'the connector healthy again');

    // a wake from sleep: the re-check asks the connector itself, before its health check has noticed
    actions.length = 0;
    const webBefore = await startedAt(web);
    const connectorBefore = await startedAt(connector);
    await execOutput(connector, ['rm', '/standin/www/ready']);
    await watchdog.recheck('a wake from sleep (test)');
    const restarted = actions.filter((a) => a.kind === 'restart' && a.instance === tunnelled).map((a) => a.service);
    expect(restarted).toEqual(['cloudflared']);
    expect(await startedAt(connector)).not.toBe(connectorBefore);
    expect(await startedAt(web)).toBe(webBefore);
    await eventually(async () => ((await connectorHealth()) === 'healthy' ? true : undefined), 60_000, 'the connector healthy after the wake');
    await watchdog.stop();
    watchdog = undefined;
  });
});

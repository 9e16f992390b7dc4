/**
 * DockerEngine against the real engine: a Postgres + Redis + busybox web stack built by hand,
 * applied, re-applied, changed, stepped, exec'd, logged, measured, watched, stopped, started and
 * removed. Everything carries a random project name and is removed in afterAll.
 */
import { createHash, randomBytes } from 'node:crypto';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEngine } from '../../electron/core/engine/engine';
import { type EngineEvent } from '../../electron/core/engine/types';
import { LABELS, type Plan, type PlannedService, type PlannedStep } from '../../electron/core/plan/types';
import { isEngawaError } from '../../electron/core/util/errors';
import type { Progress } from '../../electron/core/util/progress';

const socketPath = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');
const docker = new Dockerode({ socketPath });
const engine = new DockerEngine(docker);
const project = `engawa-t-eng-${randomBytes(4).toString('hex')}`;
const dbPassword = `pw${randomBytes(8).toString('hex')}`;
const webSecret = `sec${randomBytes(8).toString('hex')}`;
const fileContent = `ok-${randomBytes(4).toString('hex')}`;

type ServiceFields = Pick<PlannedService, 'name' | 'image'> & Partial<Omit<PlannedService, 'name' | 'image' | 'labels' | 'configHash'>>;

/** Fills a PlannedService from a few fields, with labels and a config hash like plan() makes. */
function service(project: string, f: ServiceFields): PlannedService {
  const s: Omit<PlannedService, 'labels' | 'configHash'> = {
    containerName: `${project}-${f.name}-1`,
    officialImage: f.image,
    env: {},
    secretEnv: [],
    mounts: [],
    ports: [],
    dependsOn: [],
    files: [],
    init: true,
    stopTimeoutS: 5,
    restart: 'unless-stopped',
    ...f,
  };
  const configHash = createHash('sha256').update(JSON.stringify(s)).digest('hex');
  const labels = {
    [LABELS.project]: project,
    [LABELS.service]: f.name,
    [LABELS.managed]: 'true',
    [LABELS.instance]: 'itest',
    [LABELS.stack]: 'test',
    [LABELS.role]: 'service',
  };
  return { ...s, labels, configHash };
}

const hc = (test: string[]) => ({ test, intervalMs: 500, timeoutMs: 5000, retries: 60 });
const labelsOf = (project: string) => ({ [LABELS.project]: project, [LABELS.managed]: 'true' });
const projectLabels = labelsOf(project);

/** A plan around `services`, with its network and no volumes or steps. */
function basePlan(project: string, services: PlannedService[], extra: Partial<Plan> = {}): Plan {
  return {
    project,
    instance: 'itest',
    stack: 'test',
    stackVersion: '1',
    domain: 'example.test',
    hosts: {},
    network: { name: `${project}_default`, labels: { ...labelsOf(project), [LABELS.network]: 'default' } },
    volumes: [],
    services,
    setup: [],
    http: [],
    ingress: [],
    web: { service: services[0]?.name ?? '', port: 'http', healthPath: '/', publicHost: 'example.test' },
    secretValues: [],
    ...extra,
  };
}

function makePlan(webEnv: Record<string, string> = {}, images: { web?: string } = {}): Plan {
  const vol = (key: string, ownerUid?: number) => ({
    name: `${project}_${key}`,
    key,
    backup: 'data' as const,
    ...(ownerUid !== undefined ? { ownerUid, ownerGid: ownerUid } : {}),
    labels: { ...projectLabels, [LABELS.volume]: key },
  });
  const mount = (key: string, target: string) => ({ source: `${project}_${key}`, volume: key, target, readOnly: false });
  return {
    project,
    instance: 'itest',
    stack: 'test',
    stackVersion: '1',
    domain: 'example.test',
    hosts: {},
    network: { name: `${project}_default`, labels: { ...projectLabels, [LABELS.network]: 'default' } },
    volumes: [vol('db'), vol('redis'), vol('uploads', 1234)],
    services: [
      service(project, {
        name: 'db',
        image: 'local/postgres:15',
        env: { POSTGRES_USER: 'app', POSTGRES_PASSWORD: dbPassword },
        secretEnv: ['POSTGRES_PASSWORD'],
        mounts: [mount('db', '/var/lib/postgresql/data')],
        healthcheck: hc(['CMD-SHELL', 'pg_isready -h 127.0.0.1 -U app']),
        capAdd: ['CHOWN', 'DAC_OVERRIDE', 'SETGID', 'SETUID'], // what the recipes give PostgreSQL (every other capability is dropped)
        init: false, // as the recipes run it: process 1, so the stop signal reaches it
      }),
      service(project, {
        name: 'redis',
        image: 'local/redis:7',
        mounts: [mount('redis', '/data')],
        healthcheck: hc(['CMD', 'redis-cli', 'ping']),
        capAdd: ['CHOWN', 'SETGID', 'SETUID'],
        init: false,
      }),
      service(project, {
        name: 'web',
        image: images.web ?? 'local/busybox-httpd:1',
        env: { WEB_SECRET: webSecret, ...webEnv },
        secretEnv: ['WEB_SECRET'],
        mounts: [mount('uploads', '/uploads')],
        ports: [{ container: 80, name: 'http', hostPort: 0 }],
        dependsOn: [{ service: 'db', condition: 'healthy' }],
        files: [{ path: '/www/health.txt', content: fileContent, mode: 0o640, uid: 0, gid: 0, secret: false }],
        healthcheck: hc(['CMD-SHELL', 'timeout 3 wget -q -O /dev/null http://127.0.0.1/']),
      }),
    ],
    setup: [],
    http: [],
    ingress: [],
    web: { service: 'web', port: 'http', healthPath: '/health.txt', publicHost: 'example.test' },
    secretValues: [dbPassword, webSecret],
  };
}

function step(fields: Pick<PlannedStep, 'name' | 'service' | 'command'> & Partial<PlannedStep>): PlannedStep {
  return { description: fields.name, when: 'create', kind: 'run', phase: 'after-healthy', env: {}, secretEnv: [], ...fields };
}

async function inspectAll(): Promise<Map<string, { id: string; startedAt: string; status: string }>> {
  const out = new Map<string, { id: string; startedAt: string; status: string }>();
  for (const s of await engine.status(project)) {
    const info = await docker.getContainer(s.containerId as string).inspect();
    out.set(s.name, { id: info.Id, startedAt: info.State.StartedAt, status: info.State.Status });
  }
  return out;
}

async function leftovers(project: string): Promise<{ containers: number; volumes: number; networks: number }> {
  const filters = { label: [`${LABELS.project}=${project}`] };
  const [containers, volumes, networks] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listVolumes({ filters }),
    docker.listNetworks({ filters }),
  ]);
  return { containers: containers.length, volumes: volumes.Volumes?.length ?? 0, networks: networks.length };
}

async function webUrl(): Promise<string> {
  const web = (await engine.status(project)).find((s) => s.name === 'web');
  const port = web?.ports['http'];
  expect(port).toBeGreaterThan(0);
  return `http://127.0.0.1:${port}/health.txt`;
}

async function fetchText(url: string): Promise<string> {
  // a published port may accept connections before httpd listens; the healthcheck has passed by now
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return res.text();
}

/** Removes everything labelled with the project, straight through dockerode. */
async function cleanUp(project: string): Promise<void> {
  const filters = { label: [`${LABELS.project}=${project}`] };
  for (const c of await docker.listContainers({ all: true, filters }))
    await docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  for (const n of await docker.listNetworks({ filters }))
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch(() => undefined);
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? [])
    await docker
      .getVolume(v.Name)
      .remove()
      .catch(() => undefined);
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('DockerEngine (real engine)', () => {
  beforeAll(async () => {
    await docker.ping();
  });

  afterAll(() => cleanUp(project));

  it('fails with IMAGE_MISSING or OFFLINE for an image that is not there, creating nothing', async () => {
    const err = await caught(engine.apply(makePlan({}, { web: 'local/does-not-exist:1' })));
    expect(isEngawaError(err)).toBe(true);
    expect(['IMAGE_MISSING', 'OFFLINE']).toContain((err as { code: string }).code);
    expect(await leftovers(project)).toEqual({ containers: 0, volumes: 0, networks: 0 });
  });

  it('applies the plan: every service running and healthy, web serving its file', async () => {
    const progress: Progress[] = [];
    const status = await engine.apply(makePlan(), { onProgress: (p) => progress.push(p) });
    expect(status.map((s) => [s.name, s.state, s.health])).toEqual([
      ['db', 'running', 'healthy'],
      ['redis', 'running', 'healthy'],
      ['web', 'running', 'healthy'],
    ]);
    expect(await fetchText(await webUrl())).toBe(fileContent);
    const steps = progress.flatMap((p) => (p.kind === 'step' ? [`${p.step}:${p.state}`] : []));
    expect(steps).toContain('image:local/postgres:15:skipped');
    expect(steps).toContain('network:done');
    expect(steps).toContain('create:web:done');
    expect(steps.indexOf('start:db:done')).toBeLessThan(steps.indexOf('start:web:done'));
    // the volume with ownerUid was chowned before first use, the file kept its mode
    const ls = await engine.exec(project, 'web', ['sh', '-c', 'ls -lnd /uploads; ls -ln /www/health.txt']);
    expect(ls.stdout).toMatch(/^d\S+\s+\d+\s+1234\s+1234\s/m);
    expect(ls.stdout).toMatch(/^-rw-r-----\s+\d+\s+0\s+0\s/m);
  });

  it('does nothing when the same plan is applied again', async () => {
    const before = await inspectAll();
    const progress: Progress[] = [];
    await engine.apply(makePlan(), { onProgress: (p) => progress.push(p) });
    expect(await inspectAll()).toEqual(before);
    const created = progress.filter((p) => p.kind === 'step' && p.step.startsWith('create:') && p.state !== 'skipped');
    expect(created).toEqual([]);
  });

  it('recreates only the service whose definition changed', async () => {
    const before = await inspectAll();
    await engine.apply(makePlan({ EXTRA: 'changed' }));
    const after = await inspectAll();
    expect(after.get('web')?.id).not.toBe(before.get('web')?.id);
    expect(after.get('db')).toEqual(before.get('db'));
    expect(after.get('redis')).toEqual(before.get('redis'));
    expect(await fetchText(await webUrl())).toBe(fileContent);
  });

  it('runStep: a failing run step is TASK_FAILED with exit code and stderr, secrets redacted, no container left', async () => {
    const plan = makePlan({ EXTRA: 'changed' });
    const err = await caught(engine.runStep(plan, step({ name: 'fails', service: 'web', command: ['sh', '-c', 'echo out; echo err >&2; exit 3'] })));
    expect(isEngawaError(err, 'TASK_FAILED')).toBe(true);
    const e = err as { message: string; details: { exitCode: number; stderr: string[]; stdout: string[]; step: string } };
    expect(e.details.exitCode).toBe(3);
    expect(e.details.stderr).toEqual(['err']);
    expect(e.details.stdout).toEqual(['out']);
    expect(e.message).toContain('fails');

    const leak = await caught(engine.runStep(plan, step({ name: 'leaks', service: 'web', command: ['sh', '-c', 'echo "pw $WEB_SECRET" >&2; exit 1'] })));
    expect(JSON.stringify(leak)).not.toContain(webSecret);
    expect((leak as { details: { stderr: string[] } }).details.stderr).toEqual(['pw [redacted]']);

    const tasks = await docker.listContainers({ all: true, filters: { label: [`${LABELS.project}=${project}`, `${LABELS.role}=task`] } });
    expect(tasks).toEqual([]);
  });

  it('runStep: a run step sees the service env, the step env, its files and stdin', async () => {
    const plan = makePlan({ EXTRA: 'changed' });
    const ok = await engine.runStep(
      plan,
      step({ name: 'reads', service: 'web', command: ['sh', '-c', 'echo "$EXTRA $STEP_VAR $(cat /www/health.txt)"; cat'], env: { STEP_VAR: 'v1' } }),
      { stdin: 'from-stdin\n' },
    );
    expect(ok).toEqual({ exitCode: 0, stdout: `changed v1 ${fileContent}\nfrom-stdin\n`, stderr: '' });
  });

  it('runStep: an exec step runs in the running service', async () => {
    const res = await engine.runStep(makePlan(), step({ name: 'psql', kind: 'exec', service: 'db', command: ['psql', '-U', 'app', '-tAc', 'select 40+2'] }));
    expect(res.stdout.trim()).toBe('42');
  });

  it('exec keeps stdout and stderr apart and returns the exit code', async () => {
    const res = await engine.exec(project, 'redis', ['sh', '-c', 'echo to-out; echo to-err >&2; cat; exit 5'], { stdin: 'in', env: { A: 'b' } });
    expect(res).toEqual({ exitCode: 5, stdout: 'to-out\nin', stderr: 'to-err\n' });
    const env = await engine.exec(project, 'redis', ['sh', '-c', 'echo $A; id -u'], { env: { A: 'b' }, user: '999' });
    expect(env.stdout).toBe('b\n999\n');
  });

  it('logs returns timestamped lines of one service or all', async () => {
    const db: { service: string; stream: string; time: string; line: string }[] = [];
    await engine.logs(project, { service: 'db' }, (l) => db.push(l));
    expect(db.length).toBeGreaterThan(0);
    expect(db.every((l) => l.service === 'db' && /^\d{4}-\d\d-\d\dT/.test(l.time))).toBe(true);
    expect(db.some((l) => /database system is ready/.test(l.line))).toBe(true);

    const all = new Set<string>();
    await engine.logs(project, { tail: 5 }, (l) => all.add(l.service));
    expect([...all].sort()).toEqual(['db', 'redis', 'web']);

    // follow: the last line arrives, then the abort ends the call
    const ctrl = new AbortController();
    const followed: string[] = [];
    await engine.logs(project, { service: 'db', follow: true, tail: 1, signal: ctrl.signal }, (l) => {
      followed.push(l.line);
      ctrl.abort();
    });
    expect(followed.length).toBeGreaterThan(0);
  });

  it('stats returns numbers for each running service', async () => {
    const stats = await engine.stats(project);
    expect(stats.map((s) => s.service).sort()).toEqual(['db', 'redis', 'web']);
    for (const s of stats) {
      expect(Number.isFinite(s.cpuPercent) && s.cpuPercent >= 0).toBe(true);
      expect(s.memoryBytes).toBeGreaterThan(0);
      expect(s.memoryLimitBytes).toBeGreaterThanOrEqual(s.memoryBytes);
      expect(Number.isFinite(s.netRxBytes) && Number.isFinite(s.netTxBytes)).toBe(true);
    }
  });

  it('events: killing a container delivers a die event for its service', async () => {
    const web = (await engine.status(project)).find((s) => s.name === 'web');
    const connected: boolean[] = [];
    let sub: { close(): void } | undefined;
    const died = new Promise<EngineEvent>((resolve) => {
      sub = engine.events(
        (e) => {
          if (e.project === project && e.service === 'web' && e.action === 'die') resolve(e);
        },
        (c) => connected.push(c),
      );
    });
    await expect.poll(() => connected[0], { timeout: 5000 }).toBe(true);
    await docker.getContainer(web?.containerId as string).kill();
    const ev = await died;
    sub?.close();
    expect(ev.containerId).toBe(web?.containerId);
    expect(typeof ev.exitCode).toBe('number');
  });

  it('stop leaves every container exited; start brings them back healthy', async () => {
    await engine.stop(project);
    const stopped = await engine.status(project);
    expect(stopped.map((s) => s.state)).toEqual(['exited', 'exited', 'exited']);

    const plan = makePlan({ EXTRA: 'changed' });
    const started = await engine.start(plan);
    expect(started.map((s) => [s.name, s.state, s.health])).toEqual([
      ['db', 'running', 'healthy'],
      ['redis', 'running', 'healthy'],
      ['web', 'running', 'healthy'],
    ]);
    expect(await fetchText(await webUrl())).toBe(fileContent);
  });

  it('remove deletes every container, volume and the network of the project', async () => {
    await engine.remove(project);
    expect(await leftovers(project)).toEqual({ containers: 0, volumes: 0, networks: 0 });
    expect(await engine.status(project)).toEqual([]);
  });
});

describe('DockerEngine apply: setup steps and failing services', () => {
  const p = `engawa-t-eng-${randomBytes(4).toString('hex')}`;
  const secret = `s${randomBytes(8).toString('hex')}`;
  const httpd = (name: string, extra: Partial<ServiceFields> = {}): PlannedService =>
    service(p, { name, image: 'local/busybox-httpd:1', healthcheck: hc(['CMD-SHELL', 'timeout 3 wget -q -O /dev/null http://127.0.0.1/']), ...extra });
  afterAll(() => cleanUp(p));

  it('runs before-start steps after their needs are healthy and before the rest starts; after-healthy steps last; admin steps skipped on request', async () => {
    const data = { name: `${p}_data`, key: 'data', backup: 'data' as const, labels: { ...labelsOf(p), [LABELS.volume]: 'data' } };
    const mount = { source: data.name, volume: 'data', target: '/data', readOnly: false };
    const plan = basePlan(p, [httpd('db', { mounts: [mount] }), httpd('app', { mounts: [mount], dependsOn: [{ service: 'db', condition: 'healthy' }] })], {
      volumes: [data],
      setup: [
        step({ name: 'migrate', service: 'app', phase: 'before-start', needs: ['db'], command: ['sh', '-c', 'wget -q -O- http://db/ > /data/migrated'] }),
        step({ name: 'check', kind: 'exec', service: 'app', command: ['test', '-s', '/data/migrated'] }),
        step({ name: 'admin', service: 'app', admin: true, command: ['sh', '-c', 'exit 9'] }),
        step({ name: 'upgrade-only', when: 'pre-upgrade', service: 'app', command: ['sh', '-c', 'exit 9'] }),
      ],
    });
    const steps: string[] = [];
    await engine.apply(plan, { when: 'create', skipAdmin: true, onProgress: (e) => e.kind === 'step' && steps.push(`${e.step}:${e.state}`) });
    const at = (s: string): number => steps.indexOf(s);
    expect(at('start:db:done')).toBeGreaterThanOrEqual(0);
    expect(at('start:db:done')).toBeLessThan(at('setup:migrate:start'));
    expect(at('setup:migrate:done')).toBeLessThan(at('start:app:start'));
    expect(at('health:done')).toBeLessThan(at('setup:check:done'));
    expect(steps.some((s) => s.startsWith('setup:admin') || s.startsWith('setup:upgrade-only'))).toBe(false);
    // without `when`, no step runs at all (the admin step would fail)
    await engine.apply(plan);
  });

  it('fails with UNHEALTHY naming a crashing service, with its last log lines redacted', async () => {
    const plan = basePlan(p, [httpd('db'), httpd('bad', { command: ['sh', '-c', `echo boom; echo "key ${secret}"; exit 1`], env: { K: secret } })], {
      secretValues: [secret],
    });
    const err = await caught(engine.apply(plan, { healthTimeoutMs: 60_000 }));
    expect(isEngawaError(err, 'UNHEALTHY')).toBe(true);
    const e = err as { message: string; details: { service: string; lastLogLines: string[] } };
    expect(e.message).toContain('"bad"');
    expect(e.details.service).toBe('bad');
    expect(e.details.lastLogLines).toContain('boom');
    expect(e.details.lastLogLines).toContain('key [redacted]');
    expect(JSON.stringify(err)).not.toContain(secret);
  });

  it('fails with UNHEALTHY when a health check never passes within the timeout', async () => {
    const plan = basePlan(p, [httpd('db'), httpd('slow', { healthcheck: { test: ['CMD', 'false'], intervalMs: 200, timeoutMs: 1000, retries: 1000 } })]);
    const err = await caught(engine.apply(plan, { healthTimeoutMs: 2000 }));
    expect(isEngawaError(err, 'UNHEALTHY')).toBe(true);
    expect((err as { details: { service: string } }).details.service).toBe('slow');
    expect((err as Error).message).toContain('within 2 seconds');
  });

  it('a start waits for the services, not for Docker’s interval: their own checks, run in them, make them ready', async () => {
    // Docker's first check of each would come two minutes after its start (no start period: no StartInterval either)
    const slowCheck = { test: ['CMD-SHELL', 'timeout 3 wget -q -O /dev/null http://127.0.0.1/'], intervalMs: 120_000, timeoutMs: 5000, retries: 3 };
    const plan = basePlan(p, [
      httpd('store', { healthcheck: slowCheck }),
      httpd('front', { healthcheck: slowCheck, dependsOn: [{ service: 'store', condition: 'healthy' }] }),
    ]);
    const events: string[] = [];
    await engine.apply(plan, { healthTimeoutMs: 60_000, onProgress: (e) => e.kind === 'health' && events.push(`${e.service}:${e.health}`) });
    expect(events).toContain('store:healthy');
    expect(events.indexOf('store:healthy')).toBeLessThan(events.indexOf('front:starting'));
    expect(events).toContain('front:healthy');
    for (const name of ['store', 'front']) {
      const info = await docker.getContainer(`${p}-${name}-1`).inspect();
      expect(info.State.Running).toBe(true);
      expect(info.State.Health?.Status).toBe('starting'); // Docker itself has not checked yet
    }
    // the status says what the checks say until Docker has its own verdict: here, and in another process (the CLI, `engawa watch`)
    const health = async (e: DockerEngine) => Object.fromEntries((await e.status(p)).map((s) => [s.name, s.health]));
    expect(await health(engine)).toEqual({ store: 'healthy', front: 'healthy' });
    expect(await health(new DockerEngine(docker))).toEqual({ store: 'healthy', front: 'healthy' });
    // a check that fails is not made healthy by an earlier pass
    await engine.exec(p, 'front', ['rm', '-f', '/www/index.html']);
    await docker.getContainer(`${p}-front-1`).restart({ t: 1 });
    expect(await health(new DockerEngine(docker))).toEqual({ store: 'healthy', front: 'starting' });
    await engine.remove(p);
  });

  it('remove leaves nothing of the project behind', async () => {
    await engine.remove(p);
    expect(await leftovers(p)).toEqual({ containers: 0, volumes: 0, networks: 0 });
  });
});

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EngawaError } from '../../../electron/core/util/errors';
import type { ApplyOptions } from '../../../electron/core/engine/types';
import type { Plan } from '../../../electron/core/plan/types';
import { InstanceManager } from '../../../electron/core/instances/manager';
import { MemorySecretStore } from '../../../electron/core/instances/secret-store';
import type { CreateInput, InstanceState } from '../../../electron/core/instances/types';
import type { Recipe } from '../../../electron/core/stacks/types';
import { FakeEngine } from './fake-engine';
import { testRecipe } from './recipe';

const recipes = {
  get(id: string): Recipe {
    if (id === testRecipe.id) return testRecipe;
    throw new EngawaError('NOT_FOUND', `There is no stack "${id}".`);
  },
  list: (): Recipe[] => [testRecipe],
};

const input: CreateInput = { stack: 'teststack', name: 'blog', domain: 'Example.COM' };

let home: string;
let engine: FakeEngine;
let secrets: MemorySecretStore;
let logs: string[];
let manager: InstanceManager;
const servers: net.Server[] = [];

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-manager-'));
  engine = new FakeEngine();
  secrets = new MemorySecretStore();
  logs = [];
  manager = newManager();
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  await rm(home, { recursive: true, force: true });
});

function newManager(connect: () => Promise<FakeEngine> = async () => engine): InstanceManager {
  return new InstanceManager({ home, engine: connect, secrets, recipes, images: { 'example/web:1': 'local/web:1' }, log: (l) => logs.push(l) });
}

/** Every file under `dir`, relative. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

function listen(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
    servers.push(server);
  });
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('create', () => {
  it('stores the secrets and the record, then applies the plan', async () => {
    const { instance, adminPassword } = await manager.create(input);

    expect(instance).toMatchObject({
      version: 1,
      name: 'blog',
      stack: 'teststack',
      stackVersion: '1.0.0',
      domain: 'example.com',
      admin: { user: 'owner', email: 'owner@example.com' },
      tunnel: null,
      state: 'running',
    });
    expect(instance.pending).toBeUndefined();
    expect(await manager.get('blog')).toEqual(instance);
    const { http, admin } = instance.ports;
    expect(http).toBeGreaterThan(0);
    expect(admin).toBeGreaterThan(0);
    expect(http).not.toBe(admin);

    const stored = await secrets.get('blog');
    expect(Object.keys(stored).sort()).toEqual(['admin_password', 'db_password']);
    expect(adminPassword).toBe(stored.admin_password);

    expect(engine.callsOf('ensureImages')).toEqual([[['example/db:1', 'local/web:1']]]);
    const [[plan, opts]] = engine.callsOf('apply') as [[Plan, ApplyOptions]];
    expect(plan).toEqual(await manager.planFor('blog'));
    expect(plan.project).toBe('engawa-blog');
    expect(plan.services.find((s) => s.name === 'web')?.ports.map((p) => p.hostPort)).toEqual([http, admin]);
    expect(plan.services.find((s) => s.name === 'db')?.env.DB_PASSWORD).toBe(stored.db_password);
    expect(opts).toMatchObject({ when: 'create', skipAdmin: false });

    const onDisk = await readFile(path.join(home, 'instances', 'blog.json'), 'utf8');
    for (const value of Object.values(stored)) expect(onDisk).not.toContain(value);
    expect(await filesUnder(home)).toEqual([path.join('instances', 'blog.json')]);
  });

  it('passes the admin to the recipe settings and keeps a supplied password without returning it', async () => {
    const { adminPassword } = await manager.create({ ...input, admin: { user: 'aiko', email: 'aiko@example.org', password: 'correct horse' } });
    expect(adminPassword).toBeUndefined();
    expect((await secrets.get('blog')).admin_password).toBe('correct horse');
    const [[plan]] = engine.callsOf('apply') as [[Plan]];
    expect(plan.setup[0]?.command).toEqual(['create-admin', 'aiko', 'aiko@example.org']);
  });

  it('skips the admin steps when no admin is wanted', async () => {
    const { instance, adminPassword } = await manager.create({ ...input, admin: null });
    expect(instance.admin).toBeNull();
    expect(adminPassword).toBeUndefined();
    const [[, opts]] = engine.callsOf('apply') as [[Plan, ApplyOptions]];
    expect(opts.skipAdmin).toBe(true);
  });

  it.each<[string, Partial<CreateInput>]>([
    ['a bad name', { name: 'My Blog' }],
    ['a bad domain', { domain: 'blog.local' }],
    ['an unknown stack', { stack: 'nope' }],
    ['an unknown setting', { settings: { colour: 'red' } }],
    ['a setting that does not match its pattern', { settings: { title: 'Hello 123!' } }],
    ['an override of an unknown service', { overrides: [{ service: 'cache', key: 'A', value: '1' }] }],
    ['an override with a bad variable name', { overrides: [{ service: 'web', key: '1A', value: '1' }] }],
    [
      'an override of NODE_OPTIONS (the hard deny list, even though the recipe lists it)',
      { overrides: [{ service: 'web', key: 'NODE_OPTIONS', value: '--require /x.js' }] },
    ],
    ['an override of LD_PRELOAD', { overrides: [{ service: 'db', key: 'LD_PRELOAD', value: '/x.so' }] }],
    ['an override of TUNNEL_TOKEN', { overrides: [{ service: 'web', key: 'TUNNEL_TOKEN', value: 'someone-elses' }] }],
    ['a bad admin e-mail', { admin: { user: 'aiko', email: 'not-an-address' } }],
    ['a too short admin password', { admin: { user: 'aiko', email: 'aiko@example.org', password: 'short' } }],
    ['a tunnel that does not exist yet', { tunnel: 'cloudflare' as 'none' }],
  ])('rejects %s as INVALID_INPUT before writing anything', async (_what, change) => {
    await expect(manager.create({ ...input, ...change })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await filesUnder(home)).toEqual([]);
    expect(await secrets.get(change.name ?? 'blog')).toEqual({});
    expect(engine.calls).toEqual([]);
  });

  it('answers NAME_TAKEN for an existing instance, and for a pending one with another domain', async () => {
    await manager.create(input);
    await expect(manager.create(input)).rejects.toMatchObject({ code: 'NAME_TAKEN' });

    engine.failNext('apply', new EngawaError('UNHEALTHY', 'The service "web" did not become healthy.'));
    await expect(manager.create({ ...input, name: 'other' })).rejects.toMatchObject({ code: 'UNHEALTHY' });
    await expect(manager.create({ ...input, name: 'other', domain: 'other.example' })).rejects.toMatchObject({ code: 'NAME_TAKEN' });
    expect(engine.callsOf('apply')).toHaveLength(2);
  });

  it('records a failure, keeps everything, and resumes with the same secrets and ports', async () => {
    engine.failNext('apply', new EngawaError('UNHEALTHY', 'The service "web" did not become healthy.'));
    await expect(manager.create(input)).rejects.toMatchObject({ code: 'UNHEALTHY' });

    const failed = await manager.get('blog');
    expect(failed).toMatchObject({
      state: 'error',
      pending: 'create',
      lastError: { code: 'UNHEALTHY', message: 'The service "web" did not become healthy.' },
    });
    const firstSecrets = await secrets.get('blog');
    expect(Object.keys(firstSecrets)).toHaveLength(2);
    expect(await manager.status('blog')).toMatchObject({ state: 'error', error: { code: 'UNHEALTHY' } });
    await expect(manager.start('blog')).rejects.toMatchObject({ code: 'STATE' });

    const { instance, adminPassword } = await manager.create(input);
    expect(instance.state).toBe('running');
    expect(instance.pending).toBeUndefined();
    expect(instance.lastError).toBeUndefined();
    expect(instance.ports).toEqual(failed.ports);
    expect(instance.createdAt).toBe(failed.createdAt);
    expect(await secrets.get('blog')).toEqual(firstSecrets);
    expect(adminPassword).toBe(firstSecrets.admin_password);
    const applied = engine.callsOf('apply') as [Plan][];
    expect(applied).toHaveLength(2);
    expect(applied[1]?.[0]).toEqual(applied[0]?.[0]);
  });

  it('takes over the lock of a create that was killed, and resumes it', async () => {
    engine.failNext('apply', new EngawaError('CANCELLED', 'Cancelled.'));
    await expect(manager.create(input)).rejects.toMatchObject({ code: 'CANCELLED' });
    const pid = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['-e', '']);
      child.on('exit', () => resolve(child.pid as number));
    });
    await mkdir(path.join(home, 'locks'), { recursive: true });
    const stale = { pid, op: 'create', startedAt: new Date().toISOString(), host: os.hostname(), token: 'killed' };
    await writeFile(path.join(home, 'locks', 'blog.lock'), JSON.stringify(stale));

    expect((await manager.create(input)).instance.state).toBe('running');
    expect(logs.some((l) => l.includes('interrupted create') && l.includes(String(pid)))).toBe(true);
    expect(await readdir(path.join(home, 'locks'))).toEqual([]);
  });
});

describe('one operation at a time', () => {
  it('answers BUSY to a second operation on the same instance, from this or another manager', async () => {
    const gate = deferred();
    engine.gates.set('apply', gate.promise);
    const creating = manager.create(input);
    await vi.waitFor(() => expect(engine.callsOf('apply')).toHaveLength(1));

    await expect(manager.stop('blog')).rejects.toMatchObject({ code: 'BUSY', message: expect.stringContaining('"blog" is busy: create') });
    await expect(newManager().destroy('blog')).rejects.toMatchObject({ code: 'BUSY' });
    await expect(manager.create(input)).rejects.toMatchObject({ code: 'BUSY' });
    expect(await manager.status('blog')).toMatchObject({ state: 'creating' });

    gate.resolve();
    expect((await creating).instance.state).toBe('running');
    await manager.stop('blog');
    expect(engine.callsOf('stop')).toEqual([['engawa-blog']]);
  });
});

describe('start, stop, restart', () => {
  it('starts a record of an earlier Engawa that holds an override no server may run with, leaving it out and saying so', async () => {
    await manager.create({ ...input, overrides: [{ service: 'web', key: 'GREETING', value: 'hello' }] });
    await manager.stop('blog');
    // written by an earlier Engawa (before the deny list), or restored from a backup it made
    const file = path.join(home, 'instances', 'blog.json');
    const record = JSON.parse(await readFile(file, 'utf8')) as { overrides: unknown[] };
    record.overrides.push({ service: 'web', key: 'NODE_OPTIONS', value: '--require /x.js' });
    await writeFile(file, JSON.stringify(record));

    await manager.start('blog');
    const [[plan]] = engine.callsOf('start') as [[Plan]];
    const web = plan.services.find((s) => s.name === 'web')!;
    expect(web.env).not.toHaveProperty('NODE_OPTIONS');
    expect(web.env.GREETING).toBe('hello');
    expect(logs).toContain('"blog": leaving out settings no server may change: web.NODE_OPTIONS');
    expect(logs.join('\n')).not.toContain('--require /x.js');
  });

  it('stops and starts the containers and records the outcome', async () => {
    await manager.create(input);
    await manager.stop('blog');
    expect((await manager.get('blog')).state).toBe('stopped');
    expect((await manager.status('blog')).state).toBe('stopped');

    await manager.start('blog');
    const [[plan]] = engine.callsOf('start') as [[Plan]];
    expect(plan).toEqual(await manager.planFor('blog'));
    expect((await manager.status('blog')).state).toBe('running');

    await manager.restart('blog');
    expect(engine.callsOf('stop')).toHaveLength(2);
    expect(engine.callsOf('start')).toHaveLength(2);
    expect((await manager.get('blog')).state).toBe('running');
  });

  it('answers PORT_IN_USE when another program holds a port, and starts nothing', async () => {
    const { instance } = await manager.create(input);
    await manager.stop('blog');
    await listen(instance.ports.http as number);

    await expect(manager.start('blog')).rejects.toMatchObject({ code: 'PORT_IN_USE', message: expect.stringContaining(`127.0.0.1:${instance.ports.http}`) });
    expect(engine.callsOf('start')).toEqual([]);
    expect((await manager.get('blog')).state).toBe('stopped');
  });

  it('does not count the ports of its own running containers as taken', async () => {
    const { instance } = await manager.create(input);
    await listen(instance.ports.http as number); // as Docker's port forwarder does
    await manager.restart('blog');
    expect(engine.callsOf('start')).toHaveLength(1);
  });

  it('records a failed start as error with its reason', async () => {
    await manager.create(input);
    await manager.stop('blog');
    engine.failNext('start', new EngawaError('UNHEALTHY', 'The service "db" did not become healthy.'));
    await expect(manager.start('blog')).rejects.toMatchObject({ code: 'UNHEALTHY' });
    const record = await manager.get('blog');
    expect(record).toMatchObject({ state: 'error', lastError: { code: 'UNHEALTHY' } });
    expect(record.pending).toBeUndefined();
    await manager.start('blog');
    expect((await manager.get('blog')).lastError).toBeUndefined();
  });
});

describe('destroy', () => {
  it('removes the containers, the secrets and the record', async () => {
    await manager.create(input);
    await manager.destroy('blog');
    expect(engine.callsOf('remove')).toEqual([['engawa-blog']]);
    expect(await secrets.get('blog')).toEqual({});
    expect(await manager.list()).toEqual([]);
    await expect(manager.get('blog')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await filesUnder(home)).toEqual([]);
    await expect(manager.destroy('blog')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('removes a half-created instance', async () => {
    engine.failNext('apply', new EngawaError('TASK_FAILED', 'The step "migrate" failed.'));
    await expect(manager.create(input)).rejects.toMatchObject({ code: 'TASK_FAILED' });
    await manager.destroy('blog');
    expect(await manager.list()).toEqual([]);
    expect(await secrets.get('blog')).toEqual({});
  });

  it('can be run again after it failed half-way', async () => {
    await manager.create(input);
    engine.failNext('remove', new EngawaError('ENGINE_UNREACHABLE', 'Docker is not running.'));
    await expect(manager.destroy('blog')).rejects.toMatchObject({ code: 'ENGINE_UNREACHABLE' });
    expect(await manager.get('blog')).toMatchObject({ state: 'error', pending: 'destroy' });
    await expect(manager.start('blog')).rejects.toMatchObject({ code: 'STATE' });
    await manager.destroy('blog');
    expect(await manager.list()).toEqual([]);
  });
});

describe('reading', () => {
  it('lists and gets records without Docker, and reports the state as unknown', async () => {
    await manager.create(input);
    await manager.create({ ...input, name: 'pds', domain: 'pds.example.com' });
    const offline = newManager(async () => {
      throw new EngawaError('ENGINE_UNREACHABLE', 'Docker is not running; start Docker Desktop.');
    });
    expect((await offline.list()).map((r) => r.name)).toEqual(['blog', 'pds']);
    expect((await offline.get('pds')).domain).toBe('pds.example.com');
    expect(await offline.status('blog')).toMatchObject({ state: 'unknown', services: [], error: { code: 'ENGINE_UNREACHABLE' } });
  });

  it('answers NOT_FOUND naming the instances that exist', async () => {
    await manager.create(input);
    await expect(manager.get('blgo')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('blog') });
  });

  it('reports status with services and URLs', async () => {
    const { instance } = await manager.create(input);
    expect(await manager.status('blog')).toEqual({
      name: 'blog',
      stack: 'teststack',
      domain: 'example.com',
      state: 'running',
      services: [
        { name: 'db', state: 'running', health: 'healthy' },
        { name: 'web', state: 'running', health: 'none' },
      ],
      localUrl: `http://127.0.0.1:${instance.ports.http}`,
      publicUrl: null,
    });
    engine.setService('engawa-blog', 'db', { health: 'unhealthy' });
    expect((await manager.status('blog')).state).toBe('degraded');
  });

  it('reports the state of an operation another process runs', async () => {
    await manager.create(input);
    const other = { pid: process.pid, op: 'restart', startedAt: new Date().toISOString(), host: os.hostname(), token: 'other' };
    const lock = path.join(home, 'locks', 'blog.lock');
    await mkdir(path.dirname(lock), { recursive: true });
    await writeFile(lock, JSON.stringify(other));
    engine.setService('engawa-blog', 'web', { state: 'exited' });
    expect((await manager.status('blog')).state).toBe('running');
    await rm(lock);
    expect((await manager.status('blog')).state).toBe('degraded');
  });

  it('refuses to plan without the stored secrets rather than inventing new ones', async () => {
    await manager.create(input);
    await secrets.delete('blog');
    await expect(manager.planFor('blog')).rejects.toMatchObject({ code: 'SECRETS' });
    expect(await secrets.get('blog')).toEqual({});
  });
});

describe('watch', () => {
  async function watching(): Promise<{ states: [string, InstanceState][]; close: () => void }> {
    const states: [string, InstanceState][] = [];
    const sub = manager.watch((name, state) => states.push([name, state]));
    await vi.waitFor(() => expect(engine.subscribers).toBe(1));
    return { states, close: () => sub.close() };
  }

  it('turns a container dying into degraded, then stopped', async () => {
    await manager.create(input);
    const { states, close } = await watching();

    engine.setService('engawa-blog', 'web', { state: 'exited', exitCode: 137 });
    engine.emit({ project: 'engawa-blog', service: 'web', action: 'die', exitCode: 137 });
    await vi.waitFor(() => expect(states).toEqual([['blog', 'degraded']]));

    engine.setService('engawa-blog', 'db', { state: 'exited', exitCode: 0 });
    engine.emit({ project: 'engawa-blog', service: 'db', action: 'die', exitCode: 0 });
    await vi.waitFor(() =>
      expect(states).toEqual([
        ['blog', 'degraded'],
        ['blog', 'stopped'],
      ]),
    );

    close();
    expect(engine.subscribers).toBe(0);
  });

  it('reports unknown while Docker is gone, and the real state once it is back', async () => {
    await manager.create(input);
    const { states } = await watching();
    engine.connection(false);
    await vi.waitFor(() => expect(states).toEqual([['blog', 'unknown']]));
    engine.setService('engawa-blog', 'web', { state: 'exited' });
    engine.connection(true);
    await vi.waitFor(() =>
      expect(states).toEqual([
        ['blog', 'unknown'],
        ['blog', 'degraded'],
      ]),
    );
  });

  it('reports the states of its own operations', async () => {
    await manager.create(input);
    const { states } = await watching();
    await manager.stop('blog');
    expect(states).toEqual([
      ['blog', 'stopping'],
      ['blog', 'stopped'],
    ]);
  });

  it('ignores events while an operation runs on the instance', async () => {
    await manager.create(input);
    await manager.stop('blog');
    const { states } = await watching();
    const gate = deferred();
    engine.gates.set('start', gate.promise);
    const starting = manager.start('blog');
    await vi.waitFor(() => expect(engine.callsOf('start')).toHaveLength(1));

    // half-way through the start, Docker reports a container event: all containers still stopped
    const statusCalls = engine.callsOf('status').length;
    engine.emit({ project: 'engawa-blog', service: 'db', action: 'create' });
    await vi.waitFor(() => expect(engine.callsOf('status').length).toBeGreaterThan(statusCalls));
    gate.resolve();
    await starting;

    // a later event is handled after the first one, so by the time it shows, the first was decided
    engine.setService('engawa-blog', 'web', { state: 'exited' });
    engine.emit({ project: 'engawa-blog', service: 'web', action: 'die' });
    await vi.waitFor(() => expect(states.at(-1)).toEqual(['blog', 'degraded']));
    expect(states).toEqual([
      ['blog', 'starting'],
      ['blog', 'running'],
      ['blog', 'degraded'],
    ]);
  });
});

describe('create: setup steps that print what must be kept', () => {
  /** The test recipe, but the admin step makes up the password and prints it (as Mastodon's tootctl does). */
  const capturing: Recipe = {
    ...testRecipe,
    id: 'capturing',
    secrets: testRecipe.secrets.map((s) => (s.name === 'admin_password' ? { ...s, userSupplied: false } : s)),
    setup: testRecipe.setup.map((st) => ({ ...st, env: {}, capture: { secret: 'admin_password', pattern: '^New password: (\\S+)$' } })),
  };
  const capturingRecipes = { get: (id: string) => (id === 'capturing' ? capturing : recipes.get(id)), list: () => [testRecipe, capturing] };
  const make = () => new InstanceManager({ home, engine: async () => engine, secrets, recipes: capturingRecipes, log: (l) => logs.push(l) });

  it('keeps the captured value as the secret and returns it as the admin password', async () => {
    engine.stepOutputs.set('admin', { exitCode: 0, stdout: 'OK\nNew password: s3cr3t-from-tool\n', stderr: '' });
    const { adminPassword } = await make().create({ ...input, stack: 'capturing' });
    expect(adminPassword).toBe('s3cr3t-from-tool');
    expect((await secrets.get('blog')).admin_password).toBe('s3cr3t-from-tool');
  });

  it('fails the create when the step did not print it', async () => {
    engine.stepOutputs.set('admin', { exitCode: 0, stdout: 'something else\n', stderr: '' });
    await expect(make().create({ ...input, stack: 'capturing' })).rejects.toMatchObject({ code: 'TASK_FAILED' });
  });

  it('refuses a supplied password for a recipe that makes its own, before writing anything', async () => {
    await expect(
      make().create({ ...input, stack: 'capturing', admin: { user: 'owner', email: 'o@example.com', password: 'long-enough-password' } }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(await filesUnder(home)).toEqual([]);
  });

  it('does not run a captured step again when a failed create is resumed', async () => {
    engine.stepOutputs.set('admin', { exitCode: 0, stdout: 'New password: first-and-only\n', stderr: '' });
    engine.failAfterSteps = new EngawaError('UNHEALTHY', 'web did not get healthy');
    const m = make();
    await expect(m.create({ ...input, stack: 'capturing' })).rejects.toMatchObject({ code: 'UNHEALTHY' });
    const { adminPassword } = await m.create({ ...input, stack: 'capturing' });
    expect(engine.stepsRun).toEqual(['admin']);
    expect(adminPassword).toBe('first-and-only');
    expect((await m.get('blog')).setupDone).toBeUndefined();
  });
});

describe('create: Docker memory', () => {
  it('refuses a stack that needs more memory than Docker has, naming both, and writes nothing', async () => {
    engine.memoryBytes = 32 * 1024 ** 2; // the test stack needs 64 MiB
    const err = await manager.create(input).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LOW_MEMORY' });
    expect((err as Error).message).toMatch(/0\.0 GB|0\.1 GB/);
    expect((err as Error).message).toContain('--allow-low-memory');
    expect(await filesUnder(home)).toEqual([]);
    expect(engine.callsOf('apply')).toEqual([]);
  });

  it('creates it anyway when the user explicitly allows it', async () => {
    engine.memoryBytes = 32 * 1024 ** 2;
    await manager.create({ ...input, allowLowMemory: true });
    expect(engine.callsOf('apply')).toHaveLength(1);
  });
});

describe('create: CPU requirements', () => {
  const needsSse42: Recipe = {
    ...testRecipe,
    id: 'picky',
    requires: [{ check: 'x86-64-sse4.2', note: { en: 'This stack needs a processor with SSE4.2.', ja: 'SSE4.2 が必要です。' } }],
  };
  const pickyRecipes = { get: (id: string) => (id === 'picky' ? needsSse42 : recipes.get(id)), list: () => [testRecipe, needsSse42] };
  const make = () => new InstanceManager({ home, engine: async () => engine, secrets, recipes: pickyRecipes, log: (l) => logs.push(l) });

  it('refuses a stack whose images this CPU cannot run, explaining why, and writes nothing', async () => {
    engine.sse42 = false;
    await expect(make().create({ ...input, stack: 'picky' })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: 'This stack needs a processor with SSE4.2.',
    });
    expect(await filesUnder(home)).toEqual([]);
  });

  it('creates it when the CPU has the feature or it cannot be known (a remote engine)', async () => {
    engine.sse42 = undefined;
    await make().create({ ...input, stack: 'picky' });
    expect(engine.callsOf('apply')).toHaveLength(1);
  });
});

/**
 * The watchdog over the in-memory engine: unhealthy services restarted after their grace, with
 * back-off and a cap, then given up with their last log lines; the re-check restarting exactly what
 * is still not ready (the connector first); instances stopped on purpose or held by another
 * operation left alone; Docker's event stream dropping and coming back.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InstanceManager, MemorySecretStore, type InstanceRecord } from '../../../electron/core/instances';
import { createWatchdog, type WatchAction, type Watchdog, type WatchTiming } from '../../../electron/core/watch';
import { EngawaError } from '../../../electron/core/util/errors';
import { FakeEngine } from '../instances/fake-engine';
import { stackWithGrace } from './fixtures';

const PROJECT = 'engawa-blog';
/** db has a health check and a grace of 0.3 s; web has none */
const { recipes } = stackWithGrace(0.3);
const FAST: Partial<WatchTiming> = { backoffMs: 400, maxBackoffMs: 5000, cap: 3, windowMs: 60_000, recheckGraceMs: 200, busyRetryMs: 200, engineRetryMs: 50 };

let home: string;
let engine: FakeEngine;
let manager: InstanceManager;
let actions: WatchAction[];
let log: string[];
let watchdog: Watchdog | undefined;

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-watch-'));
  engine = new FakeEngine();
  manager = new InstanceManager({ home, engine: async () => engine, secrets: new MemorySecretStore(), recipes });
  await manager.create({ stack: 'teststack', name: 'blog', domain: 'example.com' });
  actions = [];
  log = [];
});
afterEach(async () => {
  await watchdog?.stop();
  watchdog = undefined;
  await rm(home, { recursive: true, force: true });
});

async function startWatchdog(engineDep: () => Promise<FakeEngine> = async () => engine): Promise<Watchdog> {
  watchdog = createWatchdog({ manager, engine: engineDep, log: (l) => log.push(l), onAction: (a) => actions.push(a), timing: FAST });
  watchdog.start();
  await vi.waitFor(() => expect(engine.subscribers).toBe(1));
  return watchdog;
}

/** The service turns unhealthy, as Docker would say it. */
function unhealthy(service: string): void {
  engine.setService(PROJECT, service, { state: 'running', health: 'unhealthy' });
  engine.emit({ project: PROJECT, service, action: 'health_status', health: 'unhealthy' });
}

const restarts = (): string[] => engine.callsOf('restartService').map((a) => a[1] as string);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('the watchdog', () => {
  it('restarts a service unhealthy past its grace, not before, and not one that recovered', async () => {
    await startWatchdog();
    const began = Date.now();
    unhealthy('db');
    await sleep(150);
    expect(restarts()).toEqual([]);
    await vi.waitFor(() => expect(restarts()).toEqual(['db']), { timeout: 2000 });
    expect(Date.now() - began).toBeGreaterThanOrEqual(290);
    expect(actions).toMatchObject([{ instance: 'blog', service: 'db', kind: 'restart', reason: expect.stringMatching(/unhealthy for 0 s \(grace 0 s\)/) }]);
    expect(log.some((l) => l.includes('restart blog/db'))).toBe(true);

    // a spell that ends before its grace (healthy again) restarts nothing
    unhealthy('db');
    await sleep(100);
    engine.setService(PROJECT, 'db', { health: 'healthy' });
    engine.emit({ project: PROJECT, service: 'db', action: 'health_status', health: 'healthy' });
    await sleep(500);
    expect(restarts()).toEqual(['db']);
  });

  it('backs off between restarts, stops at the cap and gives up with the last log lines', async () => {
    engine.logLines.set('db', ['starting', 'FATAL: could not open the data directory']);
    const times: number[] = [];
    const restart = engine.restartService.bind(engine);
    // the service comes back unhealthy after every restart
    engine.restartService = async (project, service) => {
      await restart(project, service);
      times.push(Date.now());
      setTimeout(() => {
        engine.emit({ project, service, action: 'restart' });
        unhealthy(service);
      }, 10);
    };
    await startWatchdog();
    unhealthy('db');
    await vi.waitFor(() => expect(actions.filter((a) => a.kind === 'give-up')).toHaveLength(1), { timeout: 5000 });
    expect(restarts()).toEqual(['db', 'db', 'db']);
    // back-off: 0.4 s after the first restart, 0.8 s after the second (the grace of 0.3 s is shorter)
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(390);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(790);
    expect(actions.map((a) => a.reason.match(/restart (\d) of at most 3/)?.[1] ?? a.kind)).toEqual(['1', '2', '3', 'give-up']);
    const giveUp = actions.at(-1)!;
    expect(giveUp).toMatchObject({ instance: 'blog', service: 'db', lastLogLines: ['starting', 'FATAL: could not open the data directory'] });
    expect(giveUp.reason).toMatch(/after 3 restarts/);
    // said once, and no fourth restart
    await sleep(800);
    expect(restarts()).toHaveLength(3);
    expect(actions.filter((a) => a.kind === 'give-up')).toHaveLength(1);
  });

  it('never touches an instance stopped on purpose', async () => {
    await startWatchdog();
    await manager.stop('blog');
    unhealthy('db'); // a container that misbehaves anyway
    await sleep(700);
    expect(restarts()).toEqual([]);
    expect(actions).toEqual([]);
    expect(log.some((l) => l.includes('stopped on purpose'))).toBe(true);
    await watchdog!.recheck('wake from sleep');
    await sleep(300);
    expect(restarts()).toEqual([]);
  });

  it('restarts nothing while another operation holds the instance, and does once it is released', async () => {
    await startWatchdog();
    let release!: () => void;
    const held = manager.runOperation('blog', 'backup', () => new Promise<void>((r) => (release = r)));
    await vi.waitFor(() => expect(release).toBeDefined());
    unhealthy('db');
    await vi.waitFor(() => expect(actions.some((a) => a.kind === 'skip')).toBe(true), { timeout: 2000 });
    expect(restarts()).toEqual([]);
    expect(actions[0]).toMatchObject({ kind: 'skip', service: 'db', reason: expect.stringMatching(/busy: backup/) });
    await sleep(400);
    expect(restarts()).toEqual([]);
    release();
    await held;
    await vi.waitFor(() => expect(restarts()).toEqual(['db']), { timeout: 2000 });
    expect(actions.at(-1)).toMatchObject({ kind: 'restart', service: 'db' });
  });
});

describe('the re-check', () => {
  /** Gives blog a tunnel (a token-mode record) and its connector container. */
  async function withConnector(): Promise<void> {
    const file = path.join(home, 'instances', 'blog.json');
    const record = JSON.parse(await readFile(file, 'utf8')) as InstanceRecord;
    record.tunnel = {
      mode: 'token',
      protocol: 'auto',
      publicHost: 'example.com',
      tunnelId: '00000000-0000-4000-8000-000000000000',
    } as InstanceRecord['tunnel'];
    await writeFile(file, JSON.stringify(record));
    engine.projects.get(PROJECT)!.set('cloudflared', { name: 'cloudflared', containerId: 'c', state: 'running', health: 'healthy', ports: {} });
  }

  it('restarts exactly what is still not ready after its grace, the connector first', async () => {
    await withConnector();
    await startWatchdog();
    // after a sleep: Docker says db is unhealthy (no event came), cloudflared's /ready says no edge connection
    engine.setService(PROJECT, 'db', { health: 'unhealthy' });
    engine.execResults.set('cloudflared', { exitCode: 1, stdout: '', stderr: 'not ready' });
    const began = Date.now();
    await watchdog!.recheck('wake from sleep');
    expect(Date.now() - began).toBeGreaterThanOrEqual(190);
    expect(restarts()).toEqual(['cloudflared', 'db']);
    expect(engine.execs.at(-1)).toEqual({ project: PROJECT, service: 'cloudflared', cmd: ['cloudflared', 'tunnel', '--metrics', '127.0.0.1:20241', 'ready'] });
    expect(actions[0]).toMatchObject({
      kind: 'recheck',
      instance: null,
      reason: expect.stringMatching(/^wake from sleep: not ready: blog\/cloudflared .*, blog\/db/),
    });
    expect(actions.slice(1).map((a) => [a.kind, a.service])).toEqual([
      ['restart', 'cloudflared'],
      ['restart', 'db'],
    ]);
  });

  it('leaves alone what became ready during its grace, and says when everything is ready', async () => {
    await withConnector();
    await startWatchdog();
    engine.setService(PROJECT, 'db', { health: 'unhealthy' });
    engine.execResults.set('cloudflared', { exitCode: 1, stdout: '', stderr: '' });
    const done = watchdog!.recheck('network changed');
    await sleep(50);
    engine.setService(PROJECT, 'db', { health: 'healthy' });
    await done;
    expect(restarts()).toEqual(['cloudflared']);
    expect(log.some((l) => l.includes('blog/db became ready by itself'))).toBe(true);
    engine.execResults.delete('cloudflared');
    await watchdog!.recheck('network changed again');
    expect(actions.at(-1)).toMatchObject({ kind: 'recheck', reason: 'network changed again: every running server is ready' });
    expect(restarts()).toEqual(['cloudflared']);
  });

  it('runs by itself when Docker comes back after its event stream dropped; says Docker is down once', async () => {
    await startWatchdog();
    engine.connection(false);
    engine.connection(false);
    engine.setService(PROJECT, 'db', { health: 'unhealthy' });
    engine.connection(true);
    await vi.waitFor(() => expect(restarts()).toEqual(['db']), { timeout: 2000 });
    expect(actions.map((a) => a.kind)).toEqual(['engine-down', 'engine-back', 'recheck', 'restart']);
    expect(actions[0]!.reason).toMatch(/event stream dropped/);
  });

  it('waits for a Docker that cannot be reached at start, saying so once', async () => {
    let calls = 0;
    const flaky = async (): Promise<FakeEngine> => {
      if (++calls <= 3) throw new EngawaError('ENGINE_UNREACHABLE', 'Docker is not running.');
      return engine;
    };
    watchdog = createWatchdog({ manager, engine: flaky, log: (l) => log.push(l), onAction: (a) => actions.push(a), timing: FAST });
    watchdog.start();
    await vi.waitFor(() => expect(engine.subscribers).toBe(1), { timeout: 3000 });
    expect(calls).toBeGreaterThan(3);
    await vi.waitFor(() => expect(actions.map((a) => a.kind)).toEqual(['engine-down', 'engine-back', 'recheck']));
    expect(actions[0]!.reason).toMatch(/Docker is not running/);
  });
});

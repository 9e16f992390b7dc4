/**
 * The restart budget survives a restart of the watchdog: kept in `<home>/watch-state.json`
 * (written atomically after each restart), read at start with entries older than the window
 * dropped, so a service that keeps failing is not handed a fresh set of restarts.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InstanceManager, MemorySecretStore } from '../../../electron/core/instances';
import { createWatchdog, watchStateFile, type WatchAction, type Watchdog, type WatchTiming } from '../../../electron/core/watch';
import { loadRestarts } from '../../../electron/core/watch/state';
import { FakeEngine } from '../instances/fake-engine';
import { stackWithGrace } from './fixtures';

const PROJECT = 'engawa-blog';
const { recipes } = stackWithGrace(0.1);
const WINDOW = 60_000;
const FAST: Partial<WatchTiming> = { backoffMs: 100, maxBackoffMs: 1000, cap: 3, windowMs: WINDOW, recheckGraceMs: 100, busyRetryMs: 100, engineRetryMs: 50 };

let home: string;
let engine: FakeEngine;
let manager: InstanceManager;
let actions: WatchAction[];
let log: string[];
let watchdog: Watchdog | undefined;

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-watch-state-'));
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

async function startWatchdog(): Promise<Watchdog> {
  watchdog = createWatchdog({
    manager,
    engine: async () => engine,
    log: (l) => log.push(l),
    onAction: (a) => actions.push(a),
    timing: FAST,
    stateFile: watchStateFile(home),
  });
  watchdog.start();
  await vi.waitFor(() => expect(engine.subscribers).toBe(1));
  return watchdog;
}

function unhealthy(service: string): void {
  engine.setService(PROJECT, service, { state: 'running', health: 'unhealthy' });
  engine.emit({ project: PROJECT, service, action: 'health_status', health: 'unhealthy' });
}

const saved = async (): Promise<Record<string, number[]>> =>
  (JSON.parse(await readFile(watchStateFile(home), 'utf8')) as { restarts: Record<string, number[]> }).restarts;

describe('restart counts across restarts of the watchdog', () => {
  it('a new watchdog goes on counting where the last one stopped, and gives up at the cap', async () => {
    await startWatchdog();
    unhealthy('db');
    await vi.waitFor(() => expect(actions.map((a) => a.kind)).toEqual(['restart']), { timeout: 3000 });
    expect(actions[0]!.reason).toMatch(/restart 1 of at most 3/);
    await watchdog!.stop();
    const first = await saved();
    expect(Object.keys(first)).toEqual(['blog/db']);
    expect(first['blog/db']).toHaveLength(1);
    expect((await readdir(home)).filter((f) => f.endsWith('.tmp'))).toEqual([]); // written atomically

    // the second watchdog: restart 2 of at most 3, not 1
    actions = [];
    await startWatchdog();
    unhealthy('db');
    await vi.waitFor(() => expect(actions.map((a) => a.kind)).toEqual(['restart']), { timeout: 3000 });
    expect(actions[0]!.reason).toMatch(/restart 2 of at most 3/);
    await watchdog!.stop();
    expect((await saved())['blog/db']).toHaveLength(2);
  });

  it('a watchdog started with the cap already used gives up instead of restarting', async () => {
    const now = Date.now();
    await writeFile(watchStateFile(home), JSON.stringify({ version: 1, restarts: { 'blog/db': [now - 3000, now - 2000, now - 1000] } }));
    await startWatchdog();
    unhealthy('db');
    await vi.waitFor(() => expect(actions.map((a) => a.kind)).toEqual(['give-up']), { timeout: 3000 });
    expect(engine.callsOf('restartService')).toEqual([]);
  });

  it('restarts older than the window do not count', async () => {
    const now = Date.now();
    await writeFile(
      watchStateFile(home),
      JSON.stringify({ version: 1, restarts: { 'blog/db': [now - WINDOW - 3000, now - WINDOW - 2000, now - WINDOW - 1000] } }),
    );
    await startWatchdog();
    unhealthy('db');
    await vi.waitFor(() => expect(actions.map((a) => a.kind)).toEqual(['restart']), { timeout: 3000 });
    expect(actions[0]!.reason).toMatch(/restart 1 of at most 3/);
    await watchdog!.stop();
    expect((await saved())['blog/db']).toHaveLength(1); // the old ones are not written back
  });
});

describe('loadRestarts', () => {
  it('keeps what is within the window and not in the future, sorted; ignores what is not a time', async () => {
    const now = 1_000_000_000;
    const file = watchStateFile(home);
    await writeFile(
      file,
      JSON.stringify({
        version: 1,
        restarts: { 'a/x': [now - 10, now - WINDOW, now - 20, now + 5000], 'b/y': [now - WINDOW - 1], 'c/z': 'nope', 'd/w': ['1', null, now - 1] },
      }),
    );
    const got = await loadRestarts(file, WINDOW, now, (l) => log.push(l));
    expect(Object.fromEntries(got)).toEqual({ 'a/x': [now - 20, now - 10], 'd/w': [now - 1] });
    expect(log).toEqual([]);
  });

  it('starts empty with no file (silently) or a damaged one (saying so)', async () => {
    const file = watchStateFile(home);
    expect((await loadRestarts(file, WINDOW, Date.now(), (l) => log.push(l))).size).toBe(0);
    expect(log).toEqual([]);
    await writeFile(file, '{"version":1,"restarts":');
    expect((await loadRestarts(file, WINDOW, Date.now(), (l) => log.push(l))).size).toBe(0);
    expect(log).toEqual([expect.stringMatching(/starting with no restart counts: .*damaged/)]);
  });
});

/**
 * The disk guard over the in-memory engine and a real instance manager: the order of its actions
 * (warning → clean-up → critical → clean stop → started again once space is back), hysteresis,
 * the list of servers it stopped surviving an Engawa restart, Docker away (it waits and says so
 * once, doing nothing), the backup folder only warned about, and a guard not started only measuring.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DiskStatusInfo } from '../../../electron/shared/contract';
import { InstanceManager, MemorySecretStore } from '../../../electron/core/instances';
import type { Recipe } from '../../../electron/core/stacks/types';
import { createDiskGuard, toThresholds, type DiskGuard, type DiskGuardDeps, type WatchAction } from '../../../electron/core/watch';
import { diskGuardFile } from '../../../electron/core/watch/disk-places';
import { EngawaError } from '../../../electron/core/util/errors';
import { FakeEngine } from '../instances/fake-engine';
import { testRecipe } from '../instances/recipe';

const GB = 1024 ** 3;
/** the test stack without secrets in env variables (the guard does not care about them) */
const recipe: Recipe = {
  ...testRecipe,
  services: testRecipe.services.map((s) => (s.name === 'db' ? { ...s, env: {} } : s)),
  setup: testRecipe.setup.map((s) => ({ ...s, env: {} })),
};
const recipes = {
  get: (id: string): Recipe => {
    if (id === recipe.id) return recipe;
    throw new EngawaError('NOT_FOUND', `no stack ${id}`);
  },
  list: (): Recipe[] => [recipe],
};

let home: string;
let engine: FakeEngine;
let manager: InstanceManager;
let disk: { freeBytes: number; totalBytes: number };
let backups: { freeBytes: number; totalBytes: number };
let dockerDown: boolean;
let actions: WatchAction[];
let changes: DiskStatusInfo[];
let log: string[];
let cleaned: string[];
let guards: DiskGuard[] = [];
let readDisk: ReturnType<typeof vi.fn>;

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-disk-guard-'));
  engine = new FakeEngine();
  disk = { freeBytes: 100 * GB, totalBytes: 500 * GB };
  backups = { freeBytes: 100 * GB, totalBytes: 500 * GB };
  dockerDown = false;
  readDisk = vi.fn(async () => {
    if (dockerDown) throw new EngawaError('ENGINE_UNREACHABLE', 'Docker did not answer within 5 seconds.');
    return { ...disk };
  });
  Object.assign(engine, { readDisk });
  manager = new InstanceManager({ home, engine: async () => engine, secrets: new MemorySecretStore(), recipes });
  await manager.create({ stack: 'teststack', name: 'blog', domain: 'example.com' });
  actions = [];
  changes = [];
  log = [];
  cleaned = [];
  guards = [];
});
afterEach(async () => {
  for (const g of guards) await g.stop();
  await rm(home, { recursive: true, force: true });
});

function guard(over: Partial<DiskGuardDeps> = {}, start = true): DiskGuard {
  const g = createDiskGuard({
    home,
    manager,
    engine: async () => engine,
    thresholds: () => toThresholds({ warnGB: 10, warnPercent: 10, criticalGB: 2 }),
    backupFolders: async () => [path.join(home, 'backups')],
    measureFolders: async (dirs) => dirs.slice(0, 1).map((p) => ({ path: p, ...backups })),
    cleanUp: async (name) => {
      cleaned.push(name);
      return { ran: ['clean'] };
    },
    stopServer: (name) => manager.stop(name),
    startServer: (name) => manager.start(name),
    log: (l) => log.push(l),
    onAction: (a) => actions.push(a),
    onChange: (s) => changes.push(s),
    firstCheckMs: 60_000,
    ...over,
  });
  guards.push(g);
  if (start) g.start();
  return g;
}

const kinds = (): string[] => actions.map((a) => `${a.kind}${a.instance === null ? '' : ` ${a.instance}`}`);
const state = async (name: string) => (await manager.get(name)).state;
const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

describe('the disk guard', () => {
  it('warns, cleans up, stops the server cleanly when still critical, and starts it again once space is back', async () => {
    const g = guard();
    expect(await g.check('test')).toMatchObject({
      level: 'ok',
      stoppedByGuard: [],
      places: [
        { place: 'docker', path: null, level: 'ok' },
        { place: 'backups', level: 'ok' },
      ],
    });
    expect(actions).toEqual([]);

    disk.freeBytes = 8 * GB;
    expect((await g.check('test'))?.level).toBe('warning');
    expect(kinds()).toEqual(['disk-warning']);
    expect(actions[0]?.reason).toMatch(/Docker's disk has 8\.0 GB free of 500 GB \(warning below 10 GB, critical below 2\.0 GB\)/);
    expect(cleaned).toEqual([]); // a warning only offers the clean-up

    disk.freeBytes = 1.5 * GB;
    const critical = await g.check('test');
    expect(kinds()).toEqual(['disk-warning', 'disk-clean blog', 'disk-critical', 'disk-stop blog']);
    expect(cleaned).toEqual(['blog']);
    expect(actions[3]?.reason).toMatch(
      /only 1\.5 GB free on Docker's disk \(critical below 2\.0 GB\)\. Its data is kept; it starts again once more than 10 GB is free/,
    );
    expect(await state('blog')).toBe('stopped');
    expect(engine.callsOf('stop')).toHaveLength(1);
    expect(engine.callsOf('remove')).toHaveLength(0); // nothing of the user's is removed
    expect(critical).toMatchObject({ level: 'critical', stoppedByGuard: ['blog'] });
    expect(JSON.parse(await readFile(diskGuardFile(home), 'utf8'))).toMatchObject({ stopped: ['blog'] });
    expect(changes.map((c) => [c.level, c.stoppedByGuard])).toEqual([
      ['ok', []],
      ['warning', []],
      ['critical', ['blog']],
    ]);

    // still critical: said once, nothing more to stop
    await g.check('test');
    expect(kinds()).toHaveLength(4);

    // hysteresis: just above the critical level, and then above it but below the warning level, it does not start
    disk.freeBytes = 2.1 * GB;
    expect((await g.check('test'))?.level).toBe('critical');
    disk.freeBytes = 9 * GB;
    expect((await g.check('test'))?.level).toBe('warning');
    disk.freeBytes = 10.5 * GB;
    expect((await g.check('test'))?.level).toBe('warning');
    expect(await state('blog')).toBe('stopped');

    disk.freeBytes = 40 * GB;
    expect(await g.check('test')).toMatchObject({ level: 'ok', stoppedByGuard: [] });
    expect(kinds().slice(4)).toEqual(['disk-start blog']);
    expect(await state('blog')).toBe('running');
    expect(await exists(diskGuardFile(home))).toBe(false);
    expect(changes.at(-1)).toMatchObject({ level: 'ok', stoppedByGuard: [] });
  });

  it('stops nothing when the clean-up made room', async () => {
    const g = guard({
      cleanUp: async (name) => {
        cleaned.push(name);
        disk.freeBytes = 6 * GB;
        return { ran: ['clean'] };
      },
    });
    disk.freeBytes = 1 * GB;
    expect((await g.check('test'))?.level).toBe('warning');
    expect(kinds()).toEqual(['disk-clean blog']);
    expect(await state('blog')).toBe('running');
    expect(log.some((l) => l.includes('the clean-up made room'))).toBe(true);
  });

  it('tells no clean-up for a server whose stack has nothing to clean, and still stops it', async () => {
    const g = guard({ cleanUp: async () => ({ ran: [], cacheBytesBefore: null, cacheBytesAfter: null }) });
    disk.freeBytes = 1 * GB;
    await g.check('test');
    expect(kinds()).toEqual(['disk-critical', 'disk-stop blog']);
    expect(log.some((l) => l.includes('blog has no clean-up tasks'))).toBe(true);
  });

  it('goes on to the clean stop when a clean-up fails', async () => {
    const g = guard({ cleanUp: async () => Promise.reject(new EngawaError('STATE', 'the tools need a running database')) });
    disk.freeBytes = 1 * GB;
    await g.check('test');
    expect(kinds()).toEqual(['disk-critical', 'disk-stop blog']);
    expect(log.some((l) => l.includes('the clean-up of blog failed: the tools need a running database'))).toBe(true);
  });

  it('goes straight to a clean stop when there is no clean-up, and says so when no server runs', async () => {
    const g = guard({ cleanUp: undefined });
    disk.freeBytes = 1 * GB;
    await g.check('test');
    expect(kinds()).toEqual(['disk-critical', 'disk-stop blog']);
    expect(actions[0]?.reason).toMatch(/stopping blog cleanly/);

    await manager.start('blog');
    await manager.stop('blog'); // a person stopped it: now no server runs
    await rm(diskGuardFile(home), { force: true });
    const h = guard({ cleanUp: undefined, home: await mkdtemp(path.join(os.tmpdir(), 'engawa-disk-guard-2-')) });
    await h.check('test');
    expect(actions.at(-1)).toMatchObject({ kind: 'disk-critical', reason: expect.stringMatching(/no server is running/) });
  });

  it('starts again after an Engawa restart what it stopped, from its file, but not what a person started since', async () => {
    await manager.create({ stack: 'teststack', name: 'notes', domain: 'notes.example.com' });
    const first = guard();
    disk.freeBytes = 1 * GB;
    await first.check('test');
    expect(await state('blog')).toBe('stopped');
    expect(await state('notes')).toBe('stopped');
    await first.stop();

    await manager.start('notes'); // a person started it meanwhile
    const starts = engine.callsOf('start').length;
    disk.freeBytes = 50 * GB;
    const second = guard(); // a new Engawa process
    expect((await second.check('after restart'))?.stoppedByGuard).toEqual([]);
    expect(kinds().filter((k) => k.startsWith('disk-start'))).toEqual(['disk-start blog']);
    expect(engine.callsOf('start').length).toBe(starts + 1);
    expect(await state('blog')).toBe('running');
    expect(log.some((l) => /it stopped blog, notes earlier/.test(l))).toBe(true);
    expect(log.some((l) => /not starting notes again: it is running now/.test(l))).toBe(true);
    expect(await exists(diskGuardFile(home))).toBe(false);
  });

  it('does nothing while Docker cannot be reached, says so once, and acts once it is back', async () => {
    const g = guard();
    await g.check('test');
    dockerDown = true;
    disk.freeBytes = 1 * GB;
    await g.check('test');
    await g.check('test');
    expect(actions).toEqual([]);
    expect(cleaned).toEqual([]);
    expect(engine.callsOf('stop')).toHaveLength(0);
    expect(log.filter((l) => l.includes('Docker cannot be reached'))).toHaveLength(1);
    expect(g.last()?.places.find((p) => p.place === 'docker')?.level).toBe('ok'); // the last known, not a guess

    dockerDown = false;
    await g.check('Docker is back');
    expect(kinds()).toEqual(['disk-clean blog', 'disk-critical', 'disk-stop blog']);
    expect(log.some((l) => l.includes('Docker answers again'))).toBe(true);
  });

  it('only warns about the backup folder, even when it is critical', async () => {
    const g = guard();
    backups.freeBytes = 1 * GB;
    const s = await g.check('test');
    expect(s).toMatchObject({
      level: 'critical',
      places: [
        { place: 'docker', level: 'ok' },
        { place: 'backups', path: path.join(home, 'backups'), level: 'critical' },
      ],
    });
    expect(kinds()).toEqual(['disk-critical']);
    expect(actions[0]?.reason).toMatch(/the backup folder's disk .* backups may fail/);
    expect(cleaned).toEqual([]);
    expect(await state('blog')).toBe('running');
  });

  it('ignores a damaged disk-guard.json, saying so, and a measuring-only guard reads what the acting one wrote', async () => {
    await writeFile(diskGuardFile(home), '{ not json');
    const g = guard();
    expect((await g.check('test'))?.stoppedByGuard).toEqual([]);
    expect(log.some((l) => l.includes('ignoring a damaged disk-guard.json'))).toBe(true);

    const reader = guard({}, false);
    expect((await reader.check('asked for'))?.stoppedByGuard).toEqual([]);
    disk.freeBytes = 1 * GB;
    await g.check('test'); // the acting guard stops blog
    expect((await reader.check('asked for'))?.stoppedByGuard).toEqual(['blog']);
  });

  it('only measures when not started (another process holds the watch lock)', async () => {
    const g = guard({}, false);
    disk.freeBytes = 1 * GB;
    expect((await g.check('asked for'))?.level).toBe('critical');
    expect(actions).toEqual([]);
    expect(cleaned).toEqual([]);
    expect(await state('blog')).toBe('running');
  });

  it('measures by itself on its timer, and a check asked for while one runs joins it', async () => {
    guard({ firstCheckMs: 10, periodMs: 60_000 });
    await vi.waitFor(() => expect(changes).toHaveLength(1));
    const g = guard({}, false);
    const reads = readDisk.mock.calls.length;
    const [a, b] = await Promise.all([g.check('one'), g.check('two')]);
    expect(a).toEqual(b);
    expect(readDisk.mock.calls.length).toBe(reads + 1);
  });
});

/**
 * The disk guard as the shells run it, through the core (api/disk-guard.ts beside api/watch.ts) over
 * the in-memory engine: `system.disk` measuring when asked and reusing a fresh measurement; only the
 * core that holds the watch lock acting (a clean stop as an operation, told as `watch.action` and
 * `disk.changed`); levels from the settings, refused with the range and applied at once; a wake
 * measuring again; and `engawa watch` refusing disk flags out of the range before it starts.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiEventMessage, DiskStatusInfo } from '../../../electron/shared/contract';
import { createCore, type EngawaCore } from '../../../electron/core/api/create-core';
import { openSession, type Session } from '../../../electron/core/api/dispatch';
import { SettingsStore } from '../../../electron/core/api/settings';
import { runCli } from '../../../electron/core/cli/run';
import { InstanceManager, MemorySecretStore } from '../../../electron/core/instances';
import type { Recipe } from '../../../electron/core/stacks/types';
import { DISK_RANGE_TEXT, watchLockFile } from '../../../electron/core/watch/index';
import { FakeEngine } from '../instances/fake-engine';
import { testRecipe } from '../instances/recipe';
import { FAKE_INFO } from './fake-core';

const GB = 1024 ** 3;
/** the test stack without secrets in env variables (the guard does not care about them) */
const recipe: Recipe = {
  ...testRecipe,
  services: testRecipe.services.map((s) => (s.name === 'db' ? { ...s, env: {} } : s)),
  setup: testRecipe.setup.map((s) => ({ ...s, env: {} })),
};
const recipes = { get: () => recipe, list: () => [recipe] };

let home: string;
let engine: FakeEngine;
let free: number;
let readDisk: ReturnType<typeof vi.fn>;
const cores: { core: EngawaCore; session: Session }[] = [];

async function open(watch: boolean) {
  const manager = new InstanceManager({ home, engine: async () => engine, secrets: new MemorySecretStore(), recipes });
  const core = createCore({
    services: { home, engine: async () => engine, recipes, manager },
    settings: await SettingsStore.open(home),
    info: FAKE_INFO,
    ...(watch && { watch: { by: 'the test core', disk: { firstCheckMs: 3_600_000, measureFolders: async () => [] } } }),
  });
  const events: ApiEventMessage[] = [];
  const session = openSession(core, (m) => events.push(m));
  cores.push({ core, session });
  const call = async <T>(method: string, input?: unknown): Promise<T> => {
    const r = await session.call(method, input);
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return r.value as T;
  };
  return { core, session, events, manager, call };
}

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-disk-api-'));
  engine = new FakeEngine();
  free = 100 * GB;
  readDisk = vi.fn(async () => ({ freeBytes: free, totalBytes: 500 * GB }));
  Object.assign(engine, { readDisk });
});
afterEach(async () => {
  for (const c of cores.splice(0)) {
    c.session.close();
    await c.core.close();
  }
  await rm(home, { recursive: true, force: true });
});

const kinds = (events: ApiEventMessage[]): string[] =>
  events.flatMap((e) => (e.event === 'watch.action' && e.payload.kind.startsWith('disk-') ? [e.payload.kind] : []));

describe('the disk guard of the core', () => {
  it('answers system.disk, measuring only when the last measurement is old', async () => {
    const { call } = await open(false);
    const s = await call<DiskStatusInfo>('system.disk');
    expect(s.places[0]).toEqual({ place: 'docker', path: null, freeBytes: 100 * GB, totalBytes: 500 * GB, level: 'ok' });
    expect(s.stoppedByGuard).toEqual([]);
    expect(s.places[1]).toMatchObject({ place: 'backups', path: path.join(home, 'backups') }); // measured on this computer (statfs)
    expect(s.places[1]!.totalBytes).toBeGreaterThan(0);
    await call('system.disk');
    expect(readDisk).toHaveBeenCalledTimes(1);
  });

  it('acts only in the core that holds the watch lock: a clean stop as an operation, told to every client', async () => {
    const watcher = await open(true);
    await vi.waitFor(() => stat(watchLockFile(home)));
    await watcher.manager.create({ stack: recipe.id, name: 'blog', domain: 'example.com' });
    const other = await open(false); // e.g. `npm run serve` while the app watches: it only measures
    free = 1 * GB;
    expect(await other.call<DiskStatusInfo>('system.disk')).toMatchObject({ level: 'critical', stoppedByGuard: [] });
    expect(kinds(other.events)).toEqual([]);

    const s = await watcher.call<DiskStatusInfo>('system.disk');
    expect(s).toMatchObject({ level: 'critical', stoppedByGuard: ['blog'] });
    // the test stack has no clean-up tasks: no clean-up operation is shown, and nothing is said to be cleaned
    expect(kinds(watcher.events)).toEqual(['disk-critical', 'disk-stop']);
    expect(watcher.events.some((e) => e.event === 'op.progress' && e.payload.op === 'clean')).toBe(false);
    expect(watcher.events.some((e) => e.event === 'op.done' && e.payload.op === 'clean')).toBe(false);
    expect(watcher.events.some((e) => e.event === 'op.done' && e.payload.op === 'stop' && e.payload.instance === 'blog')).toBe(true);
    expect(watcher.events.some((e) => e.event === 'disk.changed' && e.payload.stoppedByGuard.includes('blog'))).toBe(true);
    expect((await watcher.manager.get('blog')).state).toBe('stopped');
  });

  it('takes its levels from the settings: refused with the range (nothing changes), applied at once', async () => {
    const { call } = await open(true);
    free = 15 * GB;
    expect((await call<DiskStatusInfo>('system.disk')).level).toBe('ok');
    await expect(call('settings.set', { disk: { warnGB: 5, warnPercent: 10, criticalGB: 8 } })).rejects.toThrow(DISK_RANGE_TEXT);
    expect((await call<{ disk?: unknown }>('settings.get')).disk).toBeUndefined();

    const before = readDisk.mock.calls.length;
    await call('settings.set', { disk: { warnGB: 20, warnPercent: 10, criticalGB: 2 } });
    await vi.waitFor(() => expect(readDisk.mock.calls.length).toBeGreaterThan(before));
    await vi.waitFor(async () => expect(await call<DiskStatusInfo>('system.disk')).toMatchObject({ level: 'warning', thresholds: { warnBytes: 20 * GB } }));
  });

  it('measures again after a wake', async () => {
    const { core, call } = await open(true);
    await vi.waitFor(() => stat(watchLockFile(home)));
    await call('system.disk');
    const before = readDisk.mock.calls.length;
    await core.recheck('the computer woke from sleep');
    await vi.waitFor(() => expect(readDisk.mock.calls.length).toBe(before + 1));
  });
});

describe('engawa watch --disk-warn-gb / --disk-critical-gb', () => {
  it('refuses levels out of the range, naming it, before it takes the watch lock', async () => {
    for (const args of [
      ['--disk-critical-gb', '20'],
      ['--disk-warn-gb', '0.2'],
      ['--disk-warn-gb', 'lots'],
    ]) {
      let err = '';
      const code = await runCli(['watch', ...args], { stdout: () => {}, stderr: (s) => (err += s), env: { ENGAWA_HOME: home, HOME: home } });
      expect(code, err).not.toBe(0);
      expect(err).toMatch(args[1] === 'lots' ? /--disk-warn-gb must be a number of GB/ : new RegExp(DISK_RANGE_TEXT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      await expect(stat(watchLockFile(home))).rejects.toThrow(/ENOENT/);
    }
  });
});

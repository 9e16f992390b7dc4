/**
 * The cache clean-up without Docker: the runner over a fake engine (each task's command in its
 * service with the days setting, a step per task, the output in the log, the cache measured before
 * and after, the run kept; a stopped server or a failing task refused and recorded, no volume ever
 * touched), the state file (days 1–365, refused otherwise with nothing written; a hand-edited file
 * read as the defaults), and the daily schedule with a fake clock (due at 04:30 after the last
 * run → runs → re-arms for the next day; a missed run caught up at once; a busy server tried again
 * later; nothing once stopped).
 */
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineApi, ServiceStatus } from '../../../electron/core/engine/types';
import type { InstanceRecord } from '../../../electron/core/instances';
import { mastodonRecipe } from '../../../electron/core/stacks/mastodon/recipe';
import { blueskyRecipe } from '../../../electron/core/stacks/bluesky/recipe';
import type { Recipe } from '../../../electron/core/stacks/types';
import { EngawaError } from '../../../electron/core/util/errors';
import type { Progress } from '../../../electron/core/util/progress';
import { runCleanUp, type CleanUpDeps } from '../../../electron/core/watch/maintenance';
import { CleanScheduler, nextCleanAt, RETRY_MS } from '../../../electron/core/watch/maintenance-schedule';
import { forgetMaintenance, maintenanceFile, readMaintenance, setMaintenanceDays } from '../../../electron/core/watch/maintenance-store';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-clean-'));
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(home, { recursive: true, force: true });
});

const record = (name: string, createdAt = '2026-11-01T12:00:00.000Z', stack = 'mastodon'): InstanceRecord =>
  ({ name, stack, domain: `${name}.example.com`, createdAt, state: 'running', ports: {}, settings: {} }) as unknown as InstanceRecord;

/** A fake engine: `exec` answers like tootctl and frees `freed` bytes of the cache; every call is kept. */
function fakeWorld(opts: { services?: Record<string, ServiceStatus['state']>; exitCode?: number; recipe?: Recipe } = {}) {
  let cache = 10_000;
  const calls: string[] = [];
  const execs: { service: string; cmd: string[] }[] = [];
  const engine = {
    async status() {
      const states = opts.services ?? { web: 'running', sidekiq: 'running', db: 'running' };
      return Object.entries(states).map(([name, state]) => ({ name, state, health: 'healthy', ports: {} }));
    },
    async exec(_project: string, service: string, cmd: string[]) {
      execs.push({ service, cmd });
      cache = Math.max(0, cache - 3000);
      return { exitCode: opts.exitCode ?? 0, stdout: `Removed 2 media attachments (approx. 2.9 KB)\n`, stderr: opts.exitCode ? 'boom\n' : '' };
    },
    async volumeUsage() {
      calls.push('volumeUsage');
      return [
        { name: 'engawa-s-db-data', key: 'db-data', bytes: 5_000_000 },
        { name: 'engawa-s-media-cache', key: 'media-cache', bytes: cache },
      ];
    },
    async remove() {
      calls.push('remove');
    },
  } as unknown as EngineApi;
  const ops: string[] = [];
  const records = new Map<string, InstanceRecord>([['social', record('social')]]);
  const manager = {
    get: async (name: string) => {
      const r = records.get(name);
      if (!r) throw new EngawaError('NOT_FOUND', `no ${name}`);
      return r;
    },
    list: async () => [...records.values()],
    recipeOf: () => opts.recipe ?? mastodonRecipe,
    runOperation: async <T>(name: string, op: string, body: (tx: { get: () => Promise<InstanceRecord> }) => Promise<T>) => {
      ops.push(`${op}:${name}`);
      return body({ get: () => manager.get(name) });
    },
  };
  const lines: string[] = [];
  const deps: CleanUpDeps = { manager: manager as unknown as CleanUpDeps['manager'], engine: async () => engine, home, log: (l) => lines.push(l) };
  return { deps, manager, records, engine, execs, calls, ops, lines };
}

/** The daily clean-up's scheduler over the fake world's servers, in the test's home, running `run`. */
const schedulerOf = (w: ReturnType<typeof fakeWorld>, run: (name: string) => Promise<void>): CleanScheduler =>
  new CleanScheduler({ manager: w.manager as never, home, log: () => {}, run });

describe('runCleanUp', () => {
  it('runs each task in its service with the days setting, a step per task, and measures the cache before and after', async () => {
    const w = fakeWorld();
    await setMaintenanceDays(home, 'social', 30);
    const progress: Progress[] = [];
    const r = await runCleanUp(w.deps, 'social', { onProgress: (p) => progress.push(p), trigger: 'schedule' });
    expect(w.ops).toEqual(['clean:social']);
    expect(w.execs.map((e) => `${e.service}: ${e.cmd.join(' ')}`)).toEqual([
      'web: bin/tootctl media remove --days 30',
      'web: bin/tootctl preview_cards remove --days 30',
      'web: bin/tootctl media remove --prune-profiles --days 30',
    ]);
    expect(r).toEqual({ ran: ['media', 'preview-cards', 'profiles'], cacheBytesBefore: 10_000, cacheBytesAfter: 1000 });
    expect(progress.filter((p) => p.kind === 'step').map((p) => p.kind === 'step' && `${p.step} ${p.state}`)).toEqual([
      'clean:media start',
      'clean:media done',
      'clean:preview-cards start',
      'clean:preview-cards done',
      'clean:profiles start',
      'clean:profiles done',
    ]);
    expect(progress).toContainEqual({ kind: 'log', line: 'Removed 2 media attachments (approx. 2.9 KB)' });
    expect(w.lines.some((l) => l.includes('media: Removed 2 media attachments'))).toBe(true);
    expect(w.calls).not.toContain('remove'); // only the stack's tools remove anything
    const kept = await readMaintenance(home, 'social');
    expect(kept.days).toBe(30);
    expect(kept.lastRun).toMatchObject({
      trigger: 'schedule',
      outcome: 'done',
      days: 30,
      ran: ['media', 'preview-cards', 'profiles'],
      cacheBytesBefore: 10_000,
      cacheBytesAfter: 1000,
    });
  });

  it('the daily run leaves on-demand tasks out; "Clean now" and the disk guard run them too', async () => {
    const tasks = mastodonRecipe.maintenance ?? [];
    const onDemand = { ...tasks[0]!, id: 'deep', schedule: 'on-demand' as const };
    const w = fakeWorld({ recipe: { ...mastodonRecipe, maintenance: [...tasks, onDemand] } });
    expect((await runCleanUp(w.deps, 'social', { trigger: 'schedule' })).ran).toEqual(['media', 'preview-cards', 'profiles']);
    expect((await runCleanUp(w.deps, 'social', { trigger: 'manual' })).ran).toEqual(['media', 'preview-cards', 'profiles', 'deep']);
    expect((await runCleanUp(w.deps, 'social', { trigger: 'disk-guard' })).ran).toEqual(['media', 'preview-cards', 'profiles', 'deep']);
  });

  it('refuses a server whose web service is not running, runs nothing, and keeps the run as skipped', async () => {
    const w = fakeWorld({ services: { web: 'exited', db: 'running' } });
    await expect(runCleanUp(w.deps, 'social')).rejects.toMatchObject({
      code: 'STATE',
      message: expect.stringMatching(/not running \(web is exited\).*start it first/),
    });
    expect(w.execs).toEqual([]);
    expect((await readMaintenance(home, 'social')).lastRun).toMatchObject({ outcome: 'skipped', ran: [] });
  });

  it('stops at a task that fails, with its last output, and keeps what ran', async () => {
    const w = fakeWorld({ exitCode: 1 });
    await expect(runCleanUp(w.deps, 'social')).rejects.toMatchObject({ code: 'TASK_FAILED', message: expect.stringMatching(/"media".*exit 1.*boom/) });
    expect(w.execs).toHaveLength(1);
    expect((await readMaintenance(home, 'social')).lastRun).toMatchObject({ outcome: 'failed', ran: [], error: expect.stringMatching(/boom/) });
  });

  it('has nothing to do for a stack without tasks (the PDS), and an unknown server is NOT_FOUND', async () => {
    const w = fakeWorld({ recipe: blueskyRecipe });
    expect(await runCleanUp(w.deps, 'social')).toEqual({ ran: [], cacheBytesBefore: null, cacheBytesAfter: null });
    expect(w.execs).toEqual([]);
    await expect(runCleanUp(w.deps, 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('the state file', () => {
  it('refuses days outside 1–365 with the range, writing nothing', async () => {
    for (const bad of [0, 366, 2.5])
      await expect(setMaintenanceDays(home, 'social', bad)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/from 1 to 365/) });
    await expect(readFile(maintenanceFile(home, 'social'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reads a file edited by hand as the defaults, and forgets a server', async () => {
    await mkdir(path.join(home, 'maintenance'), { recursive: true });
    await writeFile(maintenanceFile(home, 'social'), '{"version":1,"days":9000,"lastRun":{"at":"soon"}}');
    expect(await readMaintenance(home, 'social')).toEqual({ days: 7, lastRun: null });
    await writeFile(maintenanceFile(home, 'social'), 'not json');
    expect(await readMaintenance(home, 'social')).toEqual({ days: 7, lastRun: null });
    await forgetMaintenance(home, 'social');
    await expect(readFile(maintenanceFile(home, 'social'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('the daily schedule', () => {
  /** Local times, so 04:30 is the local 04:30 whatever the machine's zone. */
  const local = (d: number, h: number, m = 0) => new Date(2026, 11, d, h, m, 0, 0);

  it('is due at the first 04:30 after the last run (or the creation)', () => {
    expect(nextCleanAt('04:30', null, local(1, 15).toISOString())).toEqual(local(2, 4, 30));
    expect(nextCleanAt('04:30', local(2, 4, 31).toISOString(), local(1, 15).toISOString())).toEqual(local(3, 4, 30));
    expect(nextCleanAt('04:30', local(2, 3, 0).toISOString(), local(1, 15).toISOString())).toEqual(local(2, 4, 30));
  });

  it('runs a due server with its days, then re-arms for the next day; a missed run is caught up at once', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(local(2, 4, 0));
    const w = fakeWorld();
    w.records.set('social', record('social', local(1, 15).toISOString()));
    await setMaintenanceDays(home, 'social', 3);
    const runs: string[] = [];
    const scheduler = schedulerOf(w, async (name) => {
      runs.push(`${name}@${new Date().toISOString()}`);
      await runCleanUp(w.deps, name, { trigger: 'schedule' });
    });
    // the files are read for real: after each step of the clock, wait until the scheduler has looked
    const step = async (ms: number) => {
      await vi.advanceTimersByTimeAsync(ms);
      await scheduler.idle();
    };
    scheduler.start();
    await scheduler.idle();
    await step(20 * 60_000); // 04:20: not yet
    expect(runs).toEqual([]);
    await step(11 * 60_000); // past 04:30
    expect(runs).toHaveLength(1);
    expect(w.execs[0]?.cmd).toEqual(['bin/tootctl', 'media', 'remove', '--days', '3']);
    expect((await scheduler.due()).get('social')).toEqual(local(3, 4, 30));
    for (let h = 0; h < 12; h++) await step(60 * 60_000); // the same day: nothing more
    expect(runs).toHaveLength(1);

    // the PC sleeps through the next 04:30 (timers do not count time asleep): the hourly step catches up
    vi.setSystemTime(local(3, 9, 0));
    await step(60 * 60_000);
    expect(runs).toHaveLength(2);
    await scheduler.stop();
    vi.setSystemTime(local(5, 9, 0));
    await step(2 * 60 * 60_000);
    expect(runs).toHaveLength(2); // stopped: nothing runs
  });

  it('tries a busy server again after a while, and leaves servers without daily tasks alone', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(local(2, 5, 0));
    const w = fakeWorld();
    w.records.set('social', record('social', local(1, 15).toISOString()));
    w.records.set('pds', record('pds', local(1, 15).toISOString(), 'bluesky'));
    w.manager.recipeOf = ((r: InstanceRecord) => (r.stack === 'bluesky' ? blueskyRecipe : mastodonRecipe)) as never;
    let busy = true;
    const runs: string[] = [];
    const scheduler = schedulerOf(w, async (name) => {
      runs.push(name);
      if (busy) throw new EngawaError('BUSY', `"${name}" is busy (backup)`);
      await runCleanUp(w.deps, name, { trigger: 'schedule' });
    });
    expect([...(await scheduler.due()).keys()]).toEqual(['social']);
    scheduler.start();
    await scheduler.idle();
    expect(runs).toEqual(['social']);
    busy = false;
    await vi.advanceTimersByTimeAsync(RETRY_MS - 5000);
    await scheduler.idle();
    expect(runs).toEqual(['social']);
    await vi.advanceTimersByTimeAsync(10_000);
    await scheduler.idle();
    expect(runs).toEqual(['social', 'social']);
    expect((await readMaintenance(home, 'social')).lastRun?.outcome).toBe('done');
    await scheduler.stop();
  });
});

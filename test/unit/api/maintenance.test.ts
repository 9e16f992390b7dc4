/**
 * `instances.maintenance`, `instances.maintenance.set` and `instances.clean` over the real core and
 * the in-memory engine (fake-core.ts, whose test stack has no clean-up tasks): the days setting
 * (default 7; 1–365, refused with the range and nothing written), what a stack without tasks
 * answers (no next run; "Clean now" refused with STATE and no operation), an unknown server
 * NOT_FOUND, and a deleted server's clean-up state deleted with it. The info's shape for a stack
 * with tasks (Mastodon) comes from toMaintenanceInfo.
 */
import { stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { MaintenanceInfo } from '../../../electron/shared/contract';
import { toMaintenanceInfo } from '../../../electron/core/api/maintenance';
import type { InstanceRecord } from '../../../electron/core/instances';
import { mastodonRecipe } from '../../../electron/core/stacks/mastodon/recipe';
import { maintenanceFile } from '../../../electron/core/watch/maintenance-store';
import { useCoreSession, valueOf } from './fake-core';

const api = useCoreSession();
const value = valueOf;

describe('the maintenance methods', () => {
  it('keeps the days (default 7), refuses days outside 1–365 with the range and writes nothing, and forgets a deleted server', async () => {
    await api.run('instances.create', { stack: 'teststack', name: 'blog', domain: 'example.com' });
    const first = await value<MaintenanceInfo>(api.session.call('instances.maintenance', { name: 'blog' }));
    expect(first).toMatchObject({ name: 'blog', days: 7, tasks: [], nextRunAt: null, lastRun: null, dailyAt: '04:30' });

    for (const days of [0, 366, 1.5]) {
      const r = await api.session.call('instances.maintenance.set', { name: 'blog', days });
      expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/from 1 to 365/) } });
    }
    await expect(stat(maintenanceFile(api.f.home, 'blog'))).rejects.toMatchObject({ code: 'ENOENT' });

    const set = await value<MaintenanceInfo>(api.session.call('instances.maintenance.set', { name: 'blog', days: 30 }));
    expect(set.days).toBe(30);
    expect((await value<MaintenanceInfo>(api.session.call('instances.maintenance', { name: 'blog' }))).days).toBe(30);

    // nothing to clean on a stack without tasks: refused at once, no operation
    const clean = await api.session.call('instances.clean', { name: 'blog' });
    expect(clean).toMatchObject({ ok: false, error: { code: 'STATE', details: { reason: 'no-tasks' } } });
    expect(api.events.some((m) => m.event === 'op.progress' && m.payload.op === 'clean')).toBe(false);

    await api.run('instances.destroy', { name: 'blog' });
    await expect(stat(maintenanceFile(api.f.home, 'blog'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('answers NOT_FOUND for a server that does not exist, writing nothing', async () => {
    for (const [method, input] of [
      ['instances.maintenance', { name: 'ghost' }],
      ['instances.maintenance.set', { name: 'ghost', days: 7 }],
      ['instances.clean', { name: 'ghost' }],
    ] as const) {
      expect(await api.session.call(method, input as never)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    }
    await expect(stat(maintenanceFile(api.f.home, 'ghost'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('toMaintenanceInfo', () => {
  it('shows Mastodon’s tasks with the commands as they run, the cache volume, and the next 04:30', () => {
    const record = { name: 'social', createdAt: new Date(2026, 11, 1, 15, 0).toISOString() } as InstanceRecord;
    const info = toMaintenanceInfo(record, mastodonRecipe, { days: 10, lastRun: null });
    expect(info.tasks.map((t) => t.command)).toEqual([
      'bin/tootctl media remove --days 10',
      'bin/tootctl preview_cards remove --days 14',
      'bin/tootctl media remove --prune-profiles --days 10',
    ]);
    expect(info.cacheVolumes).toEqual(['media-cache']);
    expect(info.note?.ja).toMatch(/コンテンツの保持/);
    expect(info.nextRunAt).toBe(new Date(2026, 11, 2, 4, 30).toISOString());
  });
});

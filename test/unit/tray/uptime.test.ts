/**
 * The tray tooltip's uptime (electron/core/tray/model.ts): a running server up since a time its
 * history tells says "up 3 days" / "3 日間稼働中" (hours and minutes when shorter); with several, the
 * one up the shortest time; nothing is added when a server is not running or the time is unknown.
 * And the tracker (tray/tracker.ts) learns `upSince` from `instances.history` once a server runs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { trayModel, uptimeDuration, type TrayInstance } from '../../../electron/core/tray/model';
import { translator } from '../../../electron/core/tray/strings';
import { trackInstances } from '../../../electron/core/tray/tracker';
import en from '../../../renderer/src/i18n/en.json';
import ja from '../../../renderer/src/i18n/ja.json';
import { fakeCore, type FakeCore } from '../api/fake-core';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-06-10T12:00:00.000Z');
const iso = (t: number): string => new Date(t).toISOString();
const inst = (name: string, over: Partial<TrayInstance> = {}): TrayInstance => ({ name, domain: `${name}.example`, state: 'running', url: null, ...over });

describe('the tray tooltip', () => {
  it('says for how long a running server has been up, in English and Japanese', () => {
    const blog = inst('blog', { upSince: iso(NOW - 3 * DAY - 5 * HOUR) });
    expect(trayModel([blog], translator(en), { backups: false, now: NOW }).tooltip).toBe('Engawa — your servers are running (up 3 days)');
    expect(trayModel([blog], translator(ja), { backups: false, now: NOW }).tooltip).toBe('Engawa — サーバーは動いています（3 日間稼働中）');
    const fresh = inst('blog', { upSince: iso(NOW - HOUR - 1000) });
    expect(trayModel([fresh], translator(en), { backups: false, now: NOW }).tooltip).toBe('Engawa — your servers are running (up 1 hour)');
    expect(trayModel([fresh, blog], translator(ja), { backups: false, now: NOW }).tooltip).toBe('Engawa — サーバーは動いています（1 時間稼働中）');
    expect(uptimeDuration(12 * 60_000)).toEqual({ unit: 'minutes', n: 12 });
    expect(uptimeDuration(DAY)).toEqual({ unit: 'day', n: 1 });
  });

  it('adds nothing when the time is unknown or a server is not running', () => {
    const t = translator(en);
    expect(trayModel([inst('blog')], t, { backups: false, now: NOW }).tooltip).toBe(en.tray.tooltip.running);
    const stopped = inst('blog', { state: 'stopped', upSince: iso(NOW - DAY) });
    expect(trayModel([stopped], t, { backups: false, now: NOW }).tooltip).toBe(en.tray.tooltip.stopped);
    const problem = [inst('a', { upSince: iso(NOW - DAY) }), inst('b', { state: 'error' })];
    expect(trayModel(problem, t, { backups: false, now: NOW }).tooltip).toBe(en.tray.tooltip.problem);
  });
});

describe('the tracker', () => {
  let f: FakeCore;
  beforeEach(async () => {
    f = await fakeCore();
  });
  afterEach(async () => f.cleanup());

  it('learns since when a server is up from its history once it runs', async () => {
    const tracker = trackInstances(f.core, () => {});
    const before = Date.now();
    await tracker.call('instances.create', { stack: 'teststack', name: 'blog', domain: 'example.com' });
    let found: TrayInstance | undefined;
    for (let i = 0; i < 500 && found === undefined; i++) {
      found = tracker.instances().find((x) => x.name === 'blog' && x.state === 'running' && x.upSince !== undefined);
      if (found === undefined) await new Promise((r) => setTimeout(r, 5));
    }
    expect(Date.parse(found?.upSince ?? '')).toBeGreaterThanOrEqual(before);
    const model = trayModel(tracker.instances(), translator(en), { backups: false });
    expect(model.tooltip).toBe('Engawa — your servers are running (up 0 min)');
    tracker.close();
    await f.core.ops.settled();
  });
});

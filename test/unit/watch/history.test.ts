/**
 * An instance's uptime history (core/watch/history.ts): the JSON-lines log (append, read back in
 * order, a torn or damaged line skipped, trimmed to its last days and a bounded count by an atomic
 * rewrite that keeps the state at the cut, forgotten), and `uptimeOf`: segments of each kind with
 * neighbours merged, the sums, 'unknown' before the first record, after `closed` and over a silence
 * longer than the grace (also up to now), heartbeats that keep a state going, the 7-day window, and
 * `upSince`.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendHistory,
  forgetHistory,
  GAP_GRACE_MS,
  historyFile,
  readHistory,
  trimHistory,
  uptimeOf,
  type HistoryRecord,
} from '../../../electron/core/watch/history';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-06-10T12:00:00.000Z');
const iso = (t: number): string => new Date(t).toISOString();
const rec = (t: number, state: HistoryRecord['state'], source: HistoryRecord['source'] = 'docker'): HistoryRecord => ({ at: iso(t), state, source });

/** Records that keep Engawa watching from `from` to `to`: a heartbeat every 10 minutes. */
const beats = (from: number, to: number): HistoryRecord[] => {
  const out: HistoryRecord[] = [];
  for (let t = from + 10 * MIN; t < to; t += 10 * MIN) out.push(rec(t, 'heartbeat', 'engawa'));
  return out;
};

let home: string;
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-history-'));
});
afterEach(async () => rm(home, { recursive: true, force: true }));

describe('the log', () => {
  it('appends records as JSON lines and reads them back oldest first', async () => {
    await appendHistory(home, 'blog', rec(NOW - HOUR, 'starting', 'engawa'));
    await appendHistory(home, 'blog', { ...rec(NOW, 'running', 'watchdog'), reason: 'restart: web stayed unhealthy' });
    await appendHistory(home, 'blog', rec(NOW - 2 * HOUR, 'stopped'));
    const text = await readFile(historyFile(home, 'blog'), 'utf8');
    expect(text.split('\n')).toHaveLength(4);
    expect(historyFile(home, 'blog')).toBe(path.join(home, 'history', 'blog.jsonl'));
    expect((await readHistory(home, 'blog')).map((r) => r.state)).toEqual(['stopped', 'starting', 'running']);
    expect((await readHistory(home, 'blog'))[2]).toEqual({ at: iso(NOW), state: 'running', source: 'watchdog', reason: 'restart: web stayed unhealthy' });
    expect(await readHistory(home, 'none')).toEqual([]);
  });

  it('skips a torn last line and damaged ones, and the next trim drops them', async () => {
    await appendHistory(home, 'blog', rec(NOW - HOUR, 'running'));
    const file = historyFile(home, 'blog');
    await writeFile(
      file,
      `${await readFile(file, 'utf8')}{"at":"nope","state":"running","source":"docker"}\n{"at":"${iso(NOW)}","state":"exploded","source":"docker"}\n{"at":"${iso(NOW)}","sta`,
    );
    expect(await readHistory(home, 'blog')).toEqual([rec(NOW - HOUR, 'running')]);
    expect(await trimHistory(home, 'blog', NOW)).toBe(1);
    await appendHistory(home, 'blog', rec(NOW, 'stopped'));
    expect((await readHistory(home, 'blog')).map((r) => r.state)).toEqual(['running', 'stopped']);
    expect(await readdir(path.dirname(file))).toEqual(['blog.jsonl']); // no temporary file left behind
  });

  it('is trimmed to its last days, keeping the state at the cut, and to a bounded count', async () => {
    for (const r of [rec(NOW - 20 * DAY, 'stopped'), rec(NOW - 10 * DAY, 'running'), rec(NOW - 9 * DAY, 'heartbeat', 'engawa'), rec(NOW - 2 * DAY, 'stopped')])
      await appendHistory(home, 'blog', r);
    for (const r of beats(NOW - DAY, NOW)) await appendHistory(home, 'blog', r);
    expect(await trimHistory(home, 'blog', NOW, { keepDays: 8 })).toBe(2 + 143);
    const kept = await readHistory(home, 'blog');
    expect(kept.slice(0, 2)).toEqual([rec(NOW - 10 * DAY, 'running'), rec(NOW - 2 * DAY, 'stopped')]);
    expect(await trimHistory(home, 'blog', NOW, { maxRecords: 10 })).toBe(10);
    expect((await readHistory(home, 'blog')).at(-1)).toEqual(kept.at(-1));
    await forgetHistory(home, 'blog');
    expect(await readHistory(home, 'blog')).toEqual([]);
    await forgetHistory(home, 'blog'); // gone already: fine
  });
});

describe('uptimeOf', () => {
  it('is all unknown without records', () => {
    const u = uptimeOf([], NOW);
    expect(u.segments).toEqual([{ from: NOW - 7 * DAY, to: NOW, kind: 'unknown' }]);
    expect(u).toMatchObject({ upMs: 0, downMs: 0, unknownMs: 7 * DAY });
    expect(u.upSince).toBeUndefined();
  });

  it('draws up, starting and down from the states, merged, with heartbeats keeping a state going, and sums them', () => {
    const t0 = NOW - 3 * DAY;
    const records = [
      rec(t0, 'starting', 'engawa'),
      rec(t0 + 2 * MIN, 'running'),
      ...beats(t0 + 2 * MIN, NOW - 2 * HOUR),
      rec(NOW - 2 * HOUR, 'degraded', 'docker'),
      rec(NOW - 2 * HOUR + 12 * MIN, 'running', 'watchdog'),
      ...beats(NOW - 2 * HOUR + 12 * MIN, NOW),
    ];
    const u = uptimeOf(records, NOW);
    expect(u.segments).toEqual([
      { from: NOW - 7 * DAY, to: t0, kind: 'unknown' },
      { from: t0, to: t0 + 2 * MIN, kind: 'starting' },
      { from: t0 + 2 * MIN, to: NOW - 2 * HOUR, kind: 'up' },
      { from: NOW - 2 * HOUR, to: NOW - 2 * HOUR + 12 * MIN, kind: 'down' },
      { from: NOW - 2 * HOUR + 12 * MIN, to: NOW, kind: 'up' },
    ]);
    expect(u.downMs).toBe(12 * MIN);
    expect(u.startingMs).toBe(2 * MIN);
    expect(u.unknownMs).toBe(4 * DAY);
    expect(u.upMs + u.downMs + u.startingMs + u.unknownMs).toBe(7 * DAY);
    expect(u.upSince).toBe(iso(NOW - 2 * HOUR + 12 * MIN));
  });

  it('counts a silence longer than the grace, a closed Engawa and a silence up to now as unknown', () => {
    const t0 = NOW - 2 * DAY;
    const records = [
      rec(t0, 'running'),
      ...beats(t0, t0 + HOUR), // the last beat at t0 + 50 min
      // the PC slept: nothing for 5 hours, then Engawa sees the server again
      rec(t0 + 50 * MIN + 5 * HOUR, 'running', 'engawa'),
      rec(t0 + 6 * HOUR, 'closed', 'engawa'),
      rec(t0 + 30 * HOUR, 'running', 'engawa'),
    ];
    const u = uptimeOf(records, NOW);
    expect(u.segments.map((s) => [s.kind, (s.to - s.from) / MIN])).toEqual([
      ['unknown', (5 * DAY) / MIN],
      ['up', 50],
      ['unknown', 5 * 60], // asleep
      ['up', 10],
      ['unknown', 24 * 60 + 18 * 60], // closed until the next start, then silent up to now: one stretch
    ]);
    expect(u.upSince).toBeUndefined();
    // a silence just within the grace is not a gap
    const short = uptimeOf([rec(NOW - 2 * GAP_GRACE_MS, 'running'), rec(NOW - GAP_GRACE_MS, 'heartbeat', 'engawa')], NOW);
    expect(short.segments.at(-1)).toEqual({ from: NOW - 2 * GAP_GRACE_MS, to: NOW, kind: 'up' });
    expect(short.upSince).toBe(iso(NOW - 2 * GAP_GRACE_MS));
  });

  it('shows only the window, with the state at its start from the record before it, and up since before the window', () => {
    const records = [rec(NOW - 10 * DAY, 'running'), ...beats(NOW - 10 * DAY, NOW)];
    const u = uptimeOf(records, NOW);
    expect(u.segments).toEqual([{ from: NOW - 7 * DAY, to: NOW, kind: 'up' }]);
    expect(u.upMs).toBe(7 * DAY);
    expect(u.upSince).toBe(iso(NOW - 10 * DAY));
    expect(uptimeOf(records, NOW, 1).segments).toEqual([{ from: NOW - DAY, to: NOW, kind: 'up' }]);
    // records after now are left out
    expect(uptimeOf([...records, rec(NOW + HOUR, 'stopped')], NOW).downMs).toBe(0);
  });
});

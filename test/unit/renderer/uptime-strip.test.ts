/**
 * The rules of the dashboard's uptime strip (renderer/src/dashboard/uptime-strip.ts): bars placed
 * on the 7-day window (a short outage still a sliver wide), the legend's kinds in order, how
 * durations read (minutes, then whole hours, then whole days, one and many), and the summary: the
 * downtime summed or none, how long it has been up, how long nobody watched.
 */
import { describe, expect, it } from 'vitest';
import type { InstanceHistory } from '../../../electron/shared/contract';
import { durationOf, MIN_WIDTH, stripOf, summaryOf, UPTIME_KINDS } from '../../../renderer/src/dashboard/uptime-strip';
import en from '../../../renderer/src/i18n/en.json';
import ja from '../../../renderer/src/i18n/ja.json';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TO = Date.parse('2026-06-10T12:00:00.000Z');
const FROM = TO - 7 * DAY;
const iso = (t: number): string => new Date(t).toISOString();

const history: InstanceHistory = {
  from: iso(FROM),
  to: iso(TO),
  segments: [
    { from: iso(FROM), to: iso(FROM + 3.5 * DAY), kind: 'unknown' },
    { from: iso(FROM + 3.5 * DAY), to: iso(TO - 3 * DAY - 12 * MIN), kind: 'up' },
    { from: iso(TO - 3 * DAY - 12 * MIN), to: iso(TO - 3 * DAY), kind: 'down' },
    { from: iso(TO - 3 * DAY), to: iso(TO), kind: 'up' },
  ],
  upMs: 3.5 * DAY - 12 * MIN,
  startingMs: 0,
  downMs: 12 * MIN,
  unknownMs: 3.5 * DAY,
  upSince: iso(TO - 3 * DAY),
};

describe('the uptime strip', () => {
  it('places each stretch on the window, a short one still visible', () => {
    const bars = stripOf(history);
    expect(bars.map((b) => b.kind)).toEqual(['unknown', 'up', 'down', 'up']);
    expect(bars[0]).toMatchObject({ left: 0, width: 50 });
    expect(bars[3]?.left).toBeCloseTo((4 / 7) * 100, 6);
    expect(bars[3]!.left + bars[3]!.width).toBeCloseTo(100, 6);
    expect(bars[2]?.width).toBe(MIN_WIDTH); // 12 minutes of 7 days is less than a sliver
  });

  it('reads durations in their largest whole unit', () => {
    expect(durationOf(0)).toEqual({ unit: 'minutes', n: 0 });
    expect(durationOf(12 * MIN + 20_000)).toEqual({ unit: 'minutes', n: 12 });
    expect(durationOf(HOUR + 5 * MIN)).toEqual({ unit: 'hour', n: 1 });
    expect(durationOf(5 * HOUR + 59 * MIN)).toEqual({ unit: 'hours', n: 5 });
    expect(durationOf(DAY + HOUR)).toEqual({ unit: 'day', n: 1 });
    expect(durationOf(3 * DAY + 23 * HOUR)).toEqual({ unit: 'days', n: 3 });
    for (const cat of [en, ja]) for (const unit of ['minutes', 'hour', 'hours', 'day', 'days'] as const) expect(cat.uptime.duration[unit]).toContain('{{n}}');
    for (const cat of [en, ja]) for (const kind of UPTIME_KINDS) expect(cat.uptime.kind[kind]).toBeTruthy();
  });

  it('sums the downtime, says how long it is up and how long nobody watched', () => {
    expect(summaryOf(history)).toEqual({ down: { unit: 'minutes', n: 12 }, upFor: { unit: 'days', n: 3 }, unknown: { unit: 'days', n: 3 } });
    const calm = { ...history, downMs: 10_000, unknownMs: 0, upSince: null };
    expect(summaryOf(calm)).toEqual({ down: null, upFor: null, unknown: null });
    expect(UPTIME_KINDS).toEqual(['up', 'starting', 'down', 'unknown']);
  });
});

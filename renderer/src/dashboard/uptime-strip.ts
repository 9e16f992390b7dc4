/**
 * The rules of the uptime strip (UptimeStrip.tsx): a server's last 7 days (`instances.history`) as
 * bars placed on the window, the legend's kinds, and how durations read ("12 min", "3 days").
 */
import type { InstanceHistory, UptimeSegmentInfo } from '../../../electron/shared/contract';

export type UptimeKind = UptimeSegmentInfo['kind'];
/** The legend, in this order. */
export const UPTIME_KINDS: readonly UptimeKind[] = ['up', 'starting', 'down', 'unknown'];

export type DurationUnit = 'minutes' | 'hour' | 'hours' | 'day' | 'days';
export interface Duration {
  unit: DurationUnit;
  n: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A duration in its largest whole unit: days from a day on, hours from an hour on, else minutes (rounded). */
export function durationOf(ms: number): Duration {
  const t = Math.max(0, ms);
  if (t >= DAY) {
    const n = Math.floor(t / DAY);
    return { unit: n === 1 ? 'day' : 'days', n };
  }
  if (t >= HOUR) {
    const n = Math.floor(t / HOUR);
    return { unit: n === 1 ? 'hour' : 'hours', n };
  }
  return { unit: 'minutes', n: Math.round(t / MINUTE) };
}

export interface StripBar {
  kind: UptimeKind;
  /** percent of the window's width */
  left: number;
  width: number;
  from: string;
  to: string;
}

/** The narrowest bar (percent of the strip), so that a short outage still shows. */
export const MIN_WIDTH = 0.6;

/** The segments as bars across the window (each at least MIN_WIDTH wide, so a short outage shows). */
export function stripOf(history: InstanceHistory): StripBar[] {
  const start = Date.parse(history.from);
  const span = Math.max(1, Date.parse(history.to) - start);
  return history.segments.map((s) => {
    const a = Math.max(0, Date.parse(s.from) - start);
    const b = Math.min(span, Date.parse(s.to) - start);
    return { kind: s.kind, left: (a / span) * 100, width: Math.max(MIN_WIDTH, ((b - a) / span) * 100), from: s.from, to: s.to };
  });
}

/** What the strip says under it: the downtime summed (null: none), how long it has been up, how long nobody watched. */
export function summaryOf(history: InstanceHistory): { down: Duration | null; upFor: Duration | null; unknown: Duration | null } {
  const to = Date.parse(history.to);
  return {
    down: history.downMs >= MINUTE / 2 ? durationOf(history.downMs) : null,
    upFor: history.upSince === null ? null : durationOf(to - Date.parse(history.upSince)),
    unknown: history.unknownMs >= MINUTE / 2 ? durationOf(history.unknownMs) : null,
  };
}

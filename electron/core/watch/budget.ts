/**
 * How often the watchdog may restart one service: a back-off between restarts (doubling) and a cap
 * on restarts in a sliding window, after which it gives up and says so. Pure apart from the clock
 * times it is handed.
 */
import type { WatchTiming } from './types';

export class RestartBudget {
  /** restart times by service key, oldest first */
  private readonly restarts = new Map<string, number[]>();

  constructor(private readonly timing: Pick<WatchTiming, 'backoffMs' | 'maxBackoffMs' | 'cap' | 'windowMs'>) {}

  /** The restarts of `key` within the window before `now`. */
  used(key: string, now: number): number {
    return this.recent(key, now).length;
  }

  /** When `key` may be restarted next: `now` or later (the back-off), or null when the cap is reached. */
  nextAllowed(key: string, now: number): number | null {
    const recent = this.recent(key, now);
    if (recent.length >= this.timing.cap) return null;
    const last = recent.at(-1);
    if (last === undefined) return now;
    const wait = Math.min(this.timing.backoffMs * 2 ** (recent.length - 1), this.timing.maxBackoffMs);
    return Math.max(now, last + wait);
  }

  record(key: string, at: number): void {
    this.restarts.set(key, [...this.recent(key, at), at]);
  }

  private recent(key: string, now: number): number[] {
    return (this.restarts.get(key) ?? []).filter((t) => now - t < this.timing.windowMs);
  }
}

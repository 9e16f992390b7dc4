/**
 * How often the watchdog may restart one service: a back-off between restarts (doubling) and a cap
 * on restarts in a sliding window, after which it gives up and says so. Pure apart from the clock
 * times it is handed; persisting it (state.ts) is left to the `onRecord` listener.
 */
import type { WatchTiming } from './types';

export class RestartBudget {
  /** restart times by service key, oldest first */
  private readonly restarts = new Map<string, number[]>();

  constructor(
    private readonly timing: Pick<WatchTiming, 'backoffMs' | 'maxBackoffMs' | 'cap' | 'windowMs'>,
    /** told every restart recorded, with the recent restarts of every service (to persist them: state.ts) */
    private readonly onRecord?: (recent: ReadonlyMap<string, readonly number[]>) => void,
  ) {}

  /** Takes over restarts recorded before (by an earlier watchdog), merged with those recorded since. */
  restore(restarts: ReadonlyMap<string, readonly number[]>): void {
    for (const [key, times] of restarts) {
      const merged = [...new Set([...times, ...(this.restarts.get(key) ?? [])])];
      merged.sort((a, b) => a - b);
      this.restarts.set(key, merged);
    }
  }

  /** The restarts within the window before `now`, by service key. */
  recentAll(now: number): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const key of this.restarts.keys()) {
      const recent = this.recent(key, now);
      if (recent.length > 0) out.set(key, recent);
    }
    return out;
  }

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
    this.onRecord?.(this.recentAll(at));
  }

  private recent(key: string, now: number): number[] {
    return (this.restarts.get(key) ?? []).filter((t) => now - t < this.timing.windowMs);
  }
}

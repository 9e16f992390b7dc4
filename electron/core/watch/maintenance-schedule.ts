/**
 * The daily clean-up: once a day at a quiet local hour (CLEAN_AT), each server whose stack has
 * daily tasks gets its clean-up (the caller's `run`, an operation). Only the process that holds
 * the home's watch lock runs it (api/watch.ts, cli/watch.ts), so two processes never both clean.
 *
 * A server is due at the first CLEAN_AT after its last run (or after it was made): a computer that
 * was asleep or off at that hour runs the clean-up as soon as it is back (the timer is re-armed in
 * steps of at most an hour, as the backup scheduler's is, since timers do not count time asleep; a
 * wake also pokes it). Every run is recorded, failed or skipped ones too, so a server that is
 * stopped is tried again the next day, not in a loop; one that is busy (a backup at that hour) is
 * tried again after RETRY_MS.
 */
import { nextRun } from '../backup/schedule';
import type { InstanceManager, InstanceRecord } from '../instances';
import { isEngawaError, toEngawaError } from '../util/errors';
import { execTasksOf } from './maintenance';
import { readMaintenance } from './maintenance-store';

/** Local time of the daily clean-up: after midnight's backups, before the household wakes. */
export const CLEAN_AT = '04:30';
/** How soon a clean-up that could not start (the server busy, an error before it ran) is tried again. */
export const RETRY_MS = 15 * 60_000;
/** The longest single timer (re-armed after it; see the module comment). */
const STEP_MS = 60 * 60_000;

/** When a server's daily clean-up is next due: the first `at` after its last run, or after it was made. */
export function nextCleanAt(at: string, lastRunAt: string | null | undefined, createdAt: string): Date {
  const times = [Date.parse(createdAt), lastRunAt ? Date.parse(lastRunAt) : Number.NaN].filter((t) => !Number.isNaN(t));
  const after = new Date(times.length > 0 ? Math.max(...times) : 0);
  return nextRun({ instance: '', every: 'daily', at, out: '-' }, after);
}

export interface CleanScheduleDeps {
  manager: Pick<InstanceManager, 'list' | 'recipeOf'>;
  home: string;
  /** runs the daily clean-up of `name` (as an operation), resolving when it ends, rejecting with its error */
  run: (name: string) => Promise<void>;
  log: (line: string) => void;
  now?: () => Date;
  /** local time "HH:MM" (default CLEAN_AT) */
  at?: string;
}

export class CleanScheduler {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = true;
  private ticking: Promise<void> | undefined;
  private again = false;
  private readonly retryAt = new Map<string, number>();
  private readonly at: string;
  private readonly now: () => Date;

  constructor(private readonly deps: CleanScheduleDeps) {
    this.at = deps.at ?? CLEAN_AT;
    this.now = deps.now ?? (() => new Date());
  }

  start(): void {
    this.stopped = false;
    this.poke();
  }

  /** Cancels the timer; resolves once a clean-up in progress has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /** Looks now at what is due (after a wake from sleep, or when a server's state changed), then re-arms. */
  poke(): void {
    if (this.stopped) return;
    if (this.ticking !== undefined) {
      this.again = true;
      return;
    }
    this.ticking = (async () => {
      do {
        this.again = false;
        await this.tick();
      } while (this.again && !this.stopped);
      await this.arm();
    })()
      .catch((e: unknown) => this.deps.log(`the daily clean-up cannot look at the servers: ${toEngawaError(e).message}`))
      .finally(() => {
        this.ticking = undefined;
      });
  }

  /** Resolves once no look at the servers is in progress (tests). */
  async idle(): Promise<void> {
    while (this.ticking !== undefined) await this.ticking;
  }

  /** When each server's daily clean-up is due (servers without daily tasks are left out). */
  async due(): Promise<Map<string, Date>> {
    const out = new Map<string, Date>();
    for (const record of await this.deps.manager.list()) {
      if (record.pending !== undefined || !this.hasDaily(record)) continue;
      const { lastRun } = await readMaintenance(this.deps.home, record.name);
      out.set(record.name, nextCleanAt(this.at, lastRun?.at, record.createdAt));
    }
    return out;
  }

  private hasDaily(record: InstanceRecord): boolean {
    try {
      return execTasksOf(this.deps, record).some((t) => t.schedule === 'daily');
    } catch {
      return false; // a recipe file that is gone
    }
  }

  private async tick(): Promise<void> {
    for (const [name, at] of await this.due()) {
      const now = this.now().getTime();
      if (this.stopped || at.getTime() > now || (this.retryAt.get(name) ?? 0) > now) continue;
      try {
        await this.deps.run(name);
        this.retryAt.delete(name);
      } catch (e) {
        this.retryAt.set(name, this.now().getTime() + RETRY_MS);
        const why = isEngawaError(e, 'BUSY') ? `busy; trying again in ${RETRY_MS / 60_000} min` : toEngawaError(e).message;
        this.deps.log(`the daily clean-up of ${name} did not run: ${why}`);
      }
    }
  }

  /** Arms the timer for the next due time (or retry), at most STEP_MS ahead. */
  private async arm(): Promise<void> {
    const due = await this.due();
    if (this.stopped) return;
    const now = this.now().getTime();
    const times = [...due].map(([name, at]) => Math.max(at.getTime(), this.retryAt.get(name) ?? 0));
    const next = times.length > 0 ? Math.min(...times) : now + STEP_MS;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.poke(), Math.min(Math.max(next - now, 1000), STEP_MS));
    this.timer.unref?.();
  }
}

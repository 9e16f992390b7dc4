/**
 * Scheduled backups: daily or weekly at a local time, into a chosen folder, keeping the newest N
 * (default 7), optionally followed by a restore drill. `BackupScheduler` keeps one timer per
 * schedule (recomputed after each run, so a computer that slept runs a missed backup when it wakes
 * and then goes back to the schedule); what a run does is the caller's `run` (see
 * `runScheduledBackup`), and a failure goes to `onFailure` (the app shows a notification).
 */
import { EngawaError, toEngawaError } from '../util/errors';
import { createBackup, type BackupResult } from './create';
import { drillBackup, type DrillResult } from './drill';
import type { BackupDeps, CommonOptions } from './types';

export interface BackupSchedule {
  instance: string;
  every: 'daily' | 'weekly';
  /** local time, "HH:MM" */
  at: string;
  /** for weekly: 0 = Sunday … 6 = Saturday */
  weekday?: number;
  /** backups kept in `out` (default 7) */
  keep?: number;
  /** the folder (an external drive, a synced folder …) */
  out: string;
  /** run a restore drill after each backup */
  drill?: boolean;
}

export const DEFAULT_KEEP = 7;

/** Checks a schedule the user made; INVALID_INPUT names what is wrong. */
export function checkSchedule(s: BackupSchedule): BackupSchedule {
  const bad = (what: string): never => {
    throw new EngawaError('INVALID_INPUT', `The backup schedule is not valid: ${what}.`);
  };
  if (s.every !== 'daily' && s.every !== 'weekly') bad('choose daily or weekly');
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(s.at);
  if (!m) bad('the time must be HH:MM, from 00:00 to 23:59');
  if (s.every === 'weekly' && (s.weekday === undefined || !Number.isInteger(s.weekday) || s.weekday < 0 || s.weekday > 6)) bad('choose a day of the week');
  if (s.keep !== undefined && (!Number.isInteger(s.keep) || s.keep < 1)) bad('keep at least one backup');
  if (!s.out) bad('choose a folder');
  return s;
}

/** The first time strictly after `after` at which `s` is due (local time). */
export function nextRun(s: BackupSchedule, after: Date): Date {
  const [h, min] = s.at.split(':').map(Number) as [number, number];
  const t = new Date(after.getFullYear(), after.getMonth(), after.getDate(), h, min, 0, 0);
  while (t <= after || (s.every === 'weekly' && t.getDay() !== s.weekday)) t.setDate(t.getDate() + 1);
  return t;
}

/** One scheduled run: the backup (with retention), then the drill when asked. */
export async function runScheduledBackup(deps: BackupDeps, s: BackupSchedule, opts: CommonOptions): Promise<{ backup: BackupResult; drill?: DrillResult }> {
  const backup = await createBackup(deps, s.instance, { ...opts, out: s.out, keep: s.keep ?? DEFAULT_KEEP });
  if (!s.drill) return { backup };
  const drill = await drillBackup(deps, backup.path, opts);
  if (!drill.ok) {
    throw new EngawaError('TASK_FAILED', `The backup of "${s.instance}" was made but did not pass its restore drill: ${drill.problems[0]}`, {
      path: backup.path,
      problems: drill.problems,
    });
  }
  return { backup, drill };
}

/** Timers for a set of schedules; see the module comment. */
export class BackupScheduler {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly running = new Set<string>();
  private readonly dueAt = new Map<string, Date>();
  /** bumped by stop(), so a run that ends after it does not re-arm an old schedule */
  private generation = 0;

  constructor(
    private readonly run: (s: BackupSchedule) => Promise<void>,
    private readonly onFailure: (s: BackupSchedule, error: EngawaError) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Replaces all schedules. */
  set(schedules: BackupSchedule[]): void {
    this.stop();
    for (const s of schedules) this.arm(checkSchedule(s));
  }

  /** When each instance's next backup is due. */
  due(): Record<string, Date> {
    return Object.fromEntries([...this.dueAt]);
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.dueAt.clear();
    this.generation++;
  }

  private arm(s: BackupSchedule): void {
    const at = nextRun(s, this.now());
    this.dueAt.set(s.instance, at);
    // long delays are re-armed in steps (timers overflow after ~24 days) and after sleep
    const delay = Math.min(at.getTime() - this.now().getTime(), 60 * 60 * 1000);
    const generation = this.generation;
    const fire = (): void => {
      this.fire(s, at, generation).catch((e: unknown) => this.onFailure(s, toEngawaError(e)));
    };
    this.timers.set(s.instance, setTimeout(fire, Math.max(0, delay)));
  }

  private async fire(s: BackupSchedule, at: Date, generation: number): Promise<void> {
    if (generation !== this.generation) return;
    if (this.now() < at) return this.arm(s);
    if (!this.running.has(s.instance)) {
      this.running.add(s.instance);
      try {
        await this.run(s);
      } catch (e) {
        this.onFailure(s, toEngawaError(e));
      } finally {
        this.running.delete(s.instance);
      }
    }
    if (generation === this.generation) this.arm(s);
  }
}

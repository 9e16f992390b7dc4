/**
 * What an instance does when a newer release is available: 'notify' (the default: the app and the
 * tray say so, nothing changes by itself) or 'auto-security': a path that holds a security release
 * is installed by itself at a chosen local hour, by the same scheduler as backups (it runs while the
 * app or `npm run serve` runs, catches up after sleep), always with the pre-update backup, never
 * while another operation (a backup) holds the instance. The policies live in
 * `<home>/update-policies.json`, written atomically.
 */
import path from 'node:path';
import { readJson, writeFileAtomic, isMissing } from '../util/atomic';
import { EngawaError } from '../util/errors';
import { BackupScheduler, type BackupSchedule } from '../backup/schedule';
import { updateInfo } from './available';
import { updateInstance } from './update';
import type { UpdateDeps, UpdateOptions, UpdateResult } from './types';

export interface UpdatePolicy {
  instance: string;
  mode: 'notify' | 'auto-security';
  /** local time "HH:MM" for 'auto-security' */
  at?: string;
}

export const policiesFile = (home: string): string => path.join(home, 'update-policies.json');

/** Checks a policy the user made; INVALID_INPUT names what is wrong (with the range). */
export function checkPolicy(p: UpdatePolicy): UpdatePolicy {
  if (p.mode !== 'notify' && p.mode !== 'auto-security') {
    throw new EngawaError('INVALID_INPUT', 'The update policy must be "notify" or "auto-security".', { reason: 'mode' });
  }
  if (p.mode === 'auto-security' && !/^([01]\d|2[0-3]):[0-5]\d$/.test(p.at ?? '')) {
    throw new EngawaError('INVALID_INPUT', 'Choose the hour for automatic security updates as HH:MM, from 00:00 to 23:59.', { reason: 'at' });
  }
  return p;
}

export class PolicyStore {
  constructor(private readonly home: string) {}

  async list(): Promise<UpdatePolicy[]> {
    try {
      const all = await readJson<Record<string, UpdatePolicy>>(policiesFile(this.home));
      return Object.values(all);
    } catch (e) {
      if (isMissing(e)) return [];
      throw e;
    }
  }

  /** The instance's policy ('notify' when none was set). */
  async get(instance: string): Promise<UpdatePolicy> {
    return (await this.list()).find((p) => p.instance === instance) ?? { instance, mode: 'notify' };
  }

  /** Sets (or, with 'notify', clears) the instance's policy. */
  async set(p: UpdatePolicy): Promise<void> {
    checkPolicy(p);
    const all = Object.fromEntries((await this.list()).filter((x) => x.instance !== p.instance).map((x) => [x.instance, x]));
    if (p.mode === 'auto-security') all[p.instance] = { instance: p.instance, mode: p.mode, at: p.at as string };
    await writeFileAtomic(policiesFile(this.home), JSON.stringify(all, null, 2));
  }
}

/**
 * One automatic run: updates `name` when the path to the newest release it can reach holds a
 * security release; undefined (nothing done) otherwise, or when it is not running.
 */
export async function autoSecurityUpdate(deps: UpdateDeps, name: string, opts: UpdateOptions): Promise<UpdateResult | undefined> {
  const record = await deps.manager.get(name);
  const info = updateInfo(deps.manager.baseRecipeOf(record), record);
  if (!info.security || info.target === undefined || record.update) return undefined;
  const status = await deps.manager.status(name);
  if (status.state !== 'running') return undefined;
  return updateInstance(deps, name, { ...opts, to: info.target });
}

/** The daily timers of the 'auto-security' policies: the backup scheduler, one schedule per instance. */
export class UpdateScheduler {
  private readonly timers: BackupScheduler;

  constructor(run: (instance: string) => Promise<void>, onFailure: (instance: string, error: EngawaError) => void, now?: () => Date) {
    this.timers = new BackupScheduler(
      (s) => run(s.instance),
      (s, e) => onFailure(s.instance, e),
      now,
    );
  }

  set(policies: UpdatePolicy[]): void {
    const schedules: BackupSchedule[] = policies
      .filter((p) => p.mode === 'auto-security' && p.at !== undefined)
      .map((p) => ({ instance: p.instance, every: 'daily', at: p.at as string, out: 'auto-update' }));
    this.timers.set(schedules);
  }

  /** When each instance's next automatic check is due. */
  due(): Record<string, Date> {
    return this.timers.due();
  }

  stop(): void {
    this.timers.stop();
  }
}

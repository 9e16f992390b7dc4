/**
 * What an instance does when a newer release is available: 'notify' (the default: the app and the
 * tray say so, nothing changes by itself) or 'auto-security': a path that holds a security release
 * is installed by itself at a chosen local hour, by the same scheduler as backups (it runs while the
 * app or `npm run serve` runs, catches up after sleep), always with the pre-update backup, never
 * while another operation (a backup) holds the instance. The policies live in
 * `<home>/update-policies.json`, written atomically.
 */
import path from 'node:path';
import { stat } from 'node:fs/promises';
import { readJson, writeFileAtomic, isMissing } from '../util/atomic';
import { EngawaError } from '../util/errors';
import { BackupScheduler, type BackupSchedule } from '../backup/schedule';
import { updateInfo } from './available';
import type { UpdateDeps } from './types';

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

  /** The file's modification time (0 when there is none), to notice changes made by another process (`engawa update-policy`). */
  async changedAt(): Promise<number> {
    return stat(policiesFile(this.home)).then(
      (s) => s.mtimeMs,
      () => 0,
    );
  }
}

/** What an automatic run would install now: the target, or why nothing (not an error). */
export type SecurityTarget = { target: string } | { skip: 'no-security-release' | 'unfinished-update' | 'not-running' };

/**
 * The release an automatic run installs on `name`: the newest it can reach, when the path there
 * holds a security release and the server runs (an update checks a working server first); an
 * unfinished update is left to the next start or update, which finish it or go back.
 */
export async function securityTarget(manager: UpdateDeps['manager'], name: string): Promise<SecurityTarget> {
  const record = await manager.get(name);
  if (record.update) return { skip: 'unfinished-update' };
  const info = updateInfo(manager.baseRecipeOf(record), record);
  if (!info.security || info.target === undefined) return { skip: 'no-security-release' };
  if ((await manager.status(name)).state !== 'running') return { skip: 'not-running' };
  return { target: info.target };
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

/**
 * Where backup schedules are kept: `<home>/backup-schedules.json`, one schedule per instance,
 * written atomically. The desktop app, the browser-mode host and `engawa schedule` share it; a
 * schedule in the file that is not valid (edited by hand) is left out when reading.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { isMissing, readJson, writeFileAtomic } from '../util/atomic';
import { defaultBackupDir } from './files';
import { checkSchedule, type BackupSchedule } from './schedule';

/** The schedules file of `home`. */
export const schedulesFile = (home: string): string => path.join(home, 'backup-schedules.json');

interface FileShape {
  version: 1;
  schedules: BackupSchedule[];
}

export class ScheduleStore {
  constructor(private readonly home: string) {}

  /** Every valid schedule in the file (none when there is no file). */
  async list(): Promise<BackupSchedule[]> {
    let data: Partial<FileShape>;
    try {
      data = await readJson<Partial<FileShape>>(schedulesFile(this.home));
    } catch (e) {
      if (isMissing(e)) return [];
      throw e;
    }
    const out: BackupSchedule[] = [];
    for (const s of Array.isArray(data.schedules) ? data.schedules : []) {
      try {
        if (typeof s?.instance === 'string') out.push(checkSchedule({ ...s }));
      } catch {
        // an invalid entry is ignored; setting the schedule again replaces it
      }
    }
    return out;
  }

  /** The schedule of `instance`, if any. */
  async get(instance: string): Promise<BackupSchedule | undefined> {
    return (await this.list()).find((s) => s.instance === instance);
  }

  /** Sets (or with null removes) the schedule of `instance`; answers every schedule. */
  async set(instance: string, schedule: BackupSchedule | null): Promise<BackupSchedule[]> {
    const others = (await this.list()).filter((s) => s.instance !== instance);
    const all = schedule === null ? others : [...others, checkSchedule({ ...schedule, instance })];
    const data: FileShape = { version: 1, schedules: all };
    await writeFileAtomic(schedulesFile(this.home), JSON.stringify(data, null, 2) + '\n');
    return all;
  }

  /** The file's modification time (0 when there is none), to notice changes made by another process. */
  async changedAt(): Promise<number> {
    return stat(schedulesFile(this.home)).then(
      (s) => s.mtimeMs,
      () => 0,
    );
  }
}

/** Every folder backups of this home go to: the default one and each schedule's (the disk guard measures them). */
export async function backupFolders(home: string, store: ScheduleStore = new ScheduleStore(home)): Promise<string[]> {
  return [defaultBackupDir(home), ...(await store.list().catch(() => [])).map((s) => s.out)];
}

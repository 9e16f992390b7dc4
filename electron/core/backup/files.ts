/**
 * Backup files in a folder: their names (`<instance>-<UTC time>.engawa.age`), listing them with
 * the result of their last drill (`<file>.drill.json` beside each), keeping the newest N, and the
 * free-space check made before a backup writes anything.
 */
import { readdir, readFile, stat, statfs, unlink } from 'node:fs/promises';
import path from 'node:path';
import { EngawaError } from '../util/errors';
import { formatBytes } from '../util/format';
import { writeFileAtomic } from '../util/atomic';

export const BACKUP_SUFFIX = '.engawa.age';
const NAME = /^([a-z][a-z0-9-]*)-(\d{8}T\d{6}\d{3}Z)\.engawa\.age$/;

/** The folder backups go to when none is chosen. */
export const defaultBackupDir = (home: string): string => path.join(home, 'backups');

/** The file name of a backup of `instance` made at `at`. */
export function backupFileName(instance: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${instance}-${stamp}${BACKUP_SUFFIX}`;
}

/** The instance and time a backup file's name tells, undefined for other names. */
export function parseBackupFileName(fileName: string): { instance: string; at: Date } | undefined {
  const m = NAME.exec(fileName);
  return m ? { instance: m[1] as string, at: parseStamp(m[2] as string) } : undefined;
}

function parseStamp(s: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/.exec(s) as RegExpExecArray;
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`);
}

/** The result of a restore drill, stored beside the backup. */
export interface DrillRecord {
  /** ISO time the drill finished */
  at: string;
  ok: boolean;
  /** why it failed (empty when ok) */
  problems: string[];
  durationMs: number;
}

export const drillFile = (backup: string): string => `${backup}.drill.json`;

/** Why a backup is kept outside retention (`keep` never deletes it): the one made before an update. */
export interface KeptFor {
  reason: 'before-update';
  /** the release the server ran when it was made, and the one it was updated to */
  from: string;
  to: string;
}

export const keptFile = (backup: string): string => `${backup}.keep.json`;

/** Marks `backup` as kept outside retention until the user deletes it (atomic). */
export async function keepBackup(backup: string, why: KeptFor): Promise<void> {
  await writeFileAtomic(keptFile(backup), JSON.stringify(why));
}

/** Puts a kept backup back under retention. */
export async function releaseBackup(backup: string): Promise<void> {
  await unlink(keptFile(backup)).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}

export interface BackupFile {
  path: string;
  instance: string;
  at: Date;
  bytes: number;
  drill?: DrillRecord;
  /** set when the backup is kept outside retention (see keepBackup) */
  kept?: KeptFor;
}

/** The backups in `dir` (of `instance` only, when given), newest first. */
export async function listBackups(dir: string, instance?: string): Promise<BackupFile[]> {
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  const out: BackupFile[] = [];
  for (const n of names) {
    const m = NAME.exec(n);
    if (!m || (instance !== undefined && m[1] !== instance)) continue;
    const file = path.join(dir, n);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) continue;
    const drill = await readFile(drillFile(file), 'utf8')
      .then((t) => JSON.parse(t) as DrillRecord)
      .catch(() => undefined);
    const kept = await readFile(keptFile(file), 'utf8')
      .then((t) => JSON.parse(t) as KeptFor)
      .catch(() => undefined);
    out.push({ path: file, instance: m[1] as string, at: parseStamp(m[2] as string), bytes: info.size, ...(drill && { drill }), ...(kept && { kept }) });
  }
  return out.sort((a, b) => b.at.getTime() - a.at.getTime());
}

/**
 * Deletes all but the newest `keep` backups of `instance` in `dir` (with their drill results);
 * returns the deleted files. Kept backups (keepBackup: the one before an update) are neither
 * counted nor deleted.
 */
export async function pruneBackups(dir: string, instance: string, keep: number): Promise<string[]> {
  if (!Number.isInteger(keep) || keep < 1) throw new EngawaError('INVALID_INPUT', 'Keep at least one backup.');
  const old = (await listBackups(dir, instance)).filter((b) => !b.kept).slice(keep);
  for (const b of old) {
    await unlink(b.path);
    await unlink(drillFile(b.path)).catch(() => undefined);
  }
  return old.map((b) => b.path);
}

/** DISK_FULL, before anything is written, when `dir` has less than `needed` bytes free. */
export async function assertFreeSpace(dir: string, needed: number): Promise<void> {
  const s = await statfs(dir);
  const free = s.bavail * s.bsize;
  if (free < needed) {
    throw new EngawaError(
      'DISK_FULL',
      `There is not enough free space in ${dir}: the backup needs about ${formatBytes(needed)} and ${formatBytes(free)} is free. Choose another folder or make room.`,
      { dir, needed, free },
    );
  }
}

/**
 * The disk guard's measurements on this computer and its one file. The backup folder is on this
 * computer, so `fs.statfs` tells its free space (a folder not made yet: its nearest existing
 * parent, where it will be made). Folders on one filesystem are measured once. The servers the
 * guard stopped are kept in `<home>/disk-guard.json`, written atomically, so an Engawa that
 * restarted still starts them again once space is back.
 */
import { rm, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import { isMissing, readJson, writeFileAtomic } from '../util/atomic';
import type { DiskSpace } from '../engine/vm-disk';

/** What `fs.statfs` answers, as far as free space goes. */
export interface StatfsLike {
  bsize: number;
  blocks: number;
  bavail: number;
}

/** Free (what an unprivileged writer may still use) and total bytes of a statfs answer (pure). */
export function spaceOfStatfs(s: StatfsLike): DiskSpace {
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}

/** `dir`, or its nearest parent that exists. */
async function existing(dir: string): Promise<{ dir: string; dev: number }> {
  let at = path.resolve(dir);
  for (;;) {
    try {
      return { dir: at, dev: (await stat(at)).dev };
    } catch (e) {
      const up = path.dirname(at);
      if (!isMissing(e) || up === at) throw e;
      at = up;
    }
  }
}

/** Each filesystem holding one of `dirs` once (by the first folder on it): its free and total bytes. */
export async function measureFolders(dirs: readonly string[]): Promise<Array<DiskSpace & { path: string }>> {
  const seen = new Set<number>();
  const out: Array<DiskSpace & { path: string }> = [];
  for (const dir of dirs) {
    const { dir: at, dev } = await existing(dir);
    if (seen.has(dev)) continue;
    seen.add(dev);
    out.push({ path: path.resolve(dir), ...spaceOfStatfs(await statfs(at)) });
  }
  return out;
}

/** The guard's file. */
export const diskGuardFile = (home: string): string => path.join(home, 'disk-guard.json');

interface Memo {
  /** servers the guard stopped, to start again once space is back */
  stopped: string[];
  /** ISO time of the last change */
  at: string;
}

/** The servers the guard stopped ([] without a file; a damaged file is ignored: `onDamaged` says so). */
export async function readStoppedByGuard(home: string, onDamaged: (why: string) => void): Promise<string[]> {
  try {
    const memo = await readJson<Partial<Memo>>(diskGuardFile(home));
    if (Array.isArray(memo.stopped) && memo.stopped.every((n) => typeof n === 'string')) return [...memo.stopped];
    onDamaged('it does not list servers');
  } catch (e) {
    if (!isMissing(e)) onDamaged((e as Error).message);
  }
  return [];
}

/** Keeps the list (none: the file goes). */
export async function writeStoppedByGuard(home: string, stopped: readonly string[]): Promise<void> {
  if (stopped.length === 0) return rm(diskGuardFile(home), { force: true });
  const memo: Memo = { stopped: [...stopped], at: new Date().toISOString() };
  await writeFileAtomic(diskGuardFile(home), JSON.stringify(memo, null, 2) + '\n');
}

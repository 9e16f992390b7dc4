/**
 * One watchdog per computer: `<home>/watch.lock` holds the pid of the process whose watchdog runs
 * (`engawa watch`, or the app), so a second one refuses to start, naming the first. The file is
 * created complete and exclusively (a temporary file hard-linked into place); a lock whose process
 * is gone is stale and taken over (moved aside by rename, which only one process can win).
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EngawaError } from '../util/errors';
import { createLockFile, lockHolderAlive, readLockFile, releaseLockIfOurs, removeStaleLock, type LockRead } from '../util/pid-lock';

export interface WatchLockInfo {
  pid: number;
  /** what runs it: 'engawa watch', 'the app' */
  by: string;
  /** ISO time */
  startedAt: string;
  host: string;
  token: string;
}

export interface WatchLock {
  readonly info: WatchLockInfo;
  /** the holder of the stale lock taken over, if any */
  readonly stale?: WatchLockInfo;
  /** removes the lock if it is still ours; safe to call twice */
  release(): Promise<void>;
}

export const watchLockFile = (home: string): string => path.join(home, 'watch.lock');

/** Takes the watch lock, or throws BUSY naming the live process that holds it. */
export async function acquireWatchLock(home: string, by: string): Promise<WatchLock> {
  const file = watchLockFile(home);
  await mkdir(home, { recursive: true });
  const info: WatchLockInfo = { pid: process.pid, by, startedAt: new Date().toISOString(), host: os.hostname(), token: randomBytes(8).toString('hex') };
  let stale: WatchLockInfo | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await createLockFile(file, JSON.stringify(info)))
      return { info, ...(stale && { stale }), release: () => releaseLockIfOurs(file, info.token, readInfo) };
    const holder = await readInfo(file);
    if (holder === 'missing') continue;
    if (holder !== 'corrupt' && lockHolderAlive(holder)) {
      throw new EngawaError(
        'BUSY',
        `A watchdog runs already: ${holder.by} (process ${holder.pid}${holder.host !== os.hostname() ? ` on ${holder.host}` : ''}, since ${holder.startedAt}). Stop it first.`,
        { pid: holder.pid, by: holder.by, startedAt: holder.startedAt, host: holder.host },
      );
    }
    if (await removeStaleLock(file, holder, readInfo)) stale = holder === 'corrupt' ? stale : holder;
  }
  throw new EngawaError('BUSY', 'Another watchdog keeps taking the watch lock. Try again.');
}

const readInfo = (file: string): Promise<LockRead<WatchLockInfo>> =>
  readLockFile<WatchLockInfo>(file, (v) =>
    typeof v.pid === 'number' && typeof v.token === 'string' ? ({ by: 'a watchdog', startedAt: '?', host: os.hostname(), ...v } as WatchLockInfo) : undefined,
  );

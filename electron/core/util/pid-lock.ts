/**
 * The parts every lock file of Engawa shares (an instance's operation lock, the one watchdog per
 * home): a JSON file holding the holder's pid, host and a token; a holder that died is stale and
 * its lock is taken over by moving it aside first (so two processes never both take it), and only
 * the holder's own token releases it.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { isMissing } from './atomic';

export interface PidLockHolder {
  pid: number;
  host: string;
  token: string;
}

export type LockRead<T> = T | 'missing' | 'corrupt';

/** The lock file's holder, as `accept` takes it (undefined: not a holder), or why there is none. */
export async function readLockFile<T extends PidLockHolder>(file: string, accept: (v: Partial<T>) => T | undefined): Promise<LockRead<T>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (isMissing(e)) return 'missing';
    throw e;
  }
  try {
    const v = JSON.parse(text) as Partial<T>;
    const holder = typeof v === 'object' && v !== null ? accept(v) : undefined;
    if (holder !== undefined) return holder;
  } catch {
    // fall through
  }
  return 'corrupt';
}

/** A holder on another host (a shared home folder) cannot be checked, so it counts as alive. */
export function lockHolderAlive(holder: Pick<PidLockHolder, 'pid' | 'host'>): boolean {
  if (holder.host !== os.hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves the stale lock aside and deletes it. Returns false when another process got there first.
 * If what was moved aside turns out to be a fresh lock (another process replaced the stale one
 * between our read and our rename), it is put back.
 */
export async function removeStaleLock<T extends PidLockHolder>(
  file: string,
  seen: T | 'corrupt',
  read: (file: string) => Promise<LockRead<T>>,
): Promise<boolean> {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(file, aside);
  } catch (e) {
    if (isMissing(e)) return false;
    throw e;
  }
  const moved = await read(aside);
  const same = seen === 'corrupt' ? moved === 'corrupt' : typeof moved === 'object' && moved.token === seen.token;
  if (!same) await link(aside, file).catch(() => {}); // put the live lock back unless yet another one appeared
  await unlink(aside).catch(() => {});
  return same;
}

/** Deletes the lock when it is still the one `token` took. */
export async function releaseLockIfOurs<T extends PidLockHolder>(file: string, token: string, read: (file: string) => Promise<LockRead<T>>): Promise<void> {
  const holder = await read(file);
  if (typeof holder === 'object' && holder.token === token) {
    await unlink(file).catch((e: unknown) => {
      if (!isMissing(e)) throw e;
    });
  }
}

/** Writes the lock file with `content` only if none exists (false then): written aside, then hard-linked in, so it is never seen half-written. */
export async function createLockFile(file: string, content: string): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, content, { flag: 'wx' });
  try {
    await link(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/**
 * A per-instance lock shared by every Engawa process on this computer (the app, the CLI, the
 * browser-mode host), so that only one operation runs on an instance at a time.
 *
 * The lock file `<home>/locks/<name>.lock` holds `{pid, op, startedAt, host, token}`. It is created
 * complete and exclusively (written to a temporary file, then hard-linked into place, which fails
 * when the lock exists) so another process never reads a half-written lock. A lock whose process is
 * gone is stale: it is moved aside by rename (only one process can win that rename) and taken
 * over, and the caller is told which operation was interrupted so it can resume or roll back.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import { EngawaError } from '../util/errors';
import { createLockFile, lockHolderAlive, readLockFile, releaseLockIfOurs, removeStaleLock, type LockRead } from '../util/pid-lock';
import { lockFile, locksDir } from './home';

/** What a lock file says about its holder. */
export interface LockInfo {
  pid: number;
  op: string;
  /** ISO time */
  startedAt: string;
  host: string;
  /** random, tells two locks of the same process apart */
  token: string;
}

export interface Lock {
  readonly name: string;
  readonly info: LockInfo;
  /** the interrupted operation whose stale lock was taken over, if any */
  readonly stale?: LockInfo;
  /** removes the lock file if it is still ours; safe to call twice */
  release(): Promise<void>;
}

/** Takes the lock of instance `name` for operation `op`, or throws BUSY when a live process holds it. */
export async function acquireLock(home: string, name: string, op: string): Promise<Lock> {
  const file = lockFile(home, name);
  await mkdir(locksDir(home), { recursive: true });
  const info: LockInfo = {
    pid: process.pid,
    op,
    startedAt: new Date().toISOString(),
    host: os.hostname(),
    token: randomBytes(8).toString('hex'),
  };
  let stale: LockInfo | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await createLockFile(file, JSON.stringify(info))) {
      return { name, info, ...(stale ? { stale } : {}), release: () => releaseLockIfOurs(file, info.token, readInfo) };
    }
    const holder = await readInfo(file);
    if (holder === 'missing') continue; // released meanwhile
    if (holder !== 'corrupt' && lockHolderAlive(holder)) throw busy(name, holder);
    if (await removeStaleLock(file, holder, readInfo)) stale = holder === 'corrupt' ? stale : holder;
  }
  throw new EngawaError('BUSY', `"${name}" is busy: another process keeps taking its lock. Try again.`, { name });
}

/** The live holder of the lock of `name`, or null when nobody (alive) holds it. */
export async function lockHolder(home: string, name: string): Promise<LockInfo | null> {
  const holder = await readInfo(lockFile(home, name));
  return typeof holder === 'object' && lockHolderAlive(holder) ? holder : null;
}

function busy(name: string, holder: LockInfo): EngawaError {
  return new EngawaError('BUSY', `"${name}" is busy: ${holder.op} started at ${holder.startedAt} (process ${holder.pid}). Wait for it to finish.`, {
    name,
    op: holder.op,
    pid: holder.pid,
    startedAt: holder.startedAt,
    host: holder.host,
  });
}

const readInfo = (file: string): Promise<LockRead<LockInfo>> =>
  readLockFile<LockInfo>(file, (v) => (typeof v.pid === 'number' && typeof v.op === 'string' && typeof v.token === 'string' ? (v as LockInfo) : undefined));

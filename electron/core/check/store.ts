/**
 * The last check of each instance, kept at <home>/checks/<name>.json (written atomically) so the
 * app can show it; and one check at a time per instance: within a process a second request joins
 * the running check, across processes a lock file (<home>/checks/<name>.lock, holding the pid)
 * refuses it with BUSY while its holder lives.
 */
import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic, isMissing } from '../util/atomic';
import { EngawaError } from '../util/errors';
import type { CheckResult } from './types';

export function checksDir(home: string): string {
  return path.join(home, 'checks');
}

export function checkFile(home: string, name: string): string {
  return path.join(checksDir(home), `${name}.json`);
}

export async function saveCheck(home: string, result: CheckResult): Promise<void> {
  await mkdir(checksDir(home), { recursive: true });
  await writeFileAtomic(checkFile(home, result.instance), JSON.stringify(result, null, 2) + '\n');
}

/** Deletes the check kept for `name` (a deleted server); nothing when there is none. */
export async function forgetCheck(home: string, name: string): Promise<void> {
  await unlink(checkFile(home, name)).catch((e: unknown) => {
    if (!isMissing(e)) throw e;
  });
}

/** The last check kept for `name`, or null when there is none (or it cannot be read). */
export async function lastCheck(home: string, name: string): Promise<CheckResult | null> {
  try {
    const result = JSON.parse(await readFile(checkFile(home, name), 'utf8')) as CheckResult;
    return result.version === 1 && Array.isArray(result.items) ? result : null;
  } catch {
    return null;
  }
}

const running = new Map<string, Promise<CheckResult>>();

/** Runs `body` as the one check of `name`: joins one already running in this process; BUSY while another process runs one. */
export function oneCheckAtATime(home: string, name: string, body: () => Promise<CheckResult>): Promise<CheckResult> {
  const key = checkFile(path.resolve(home), name);
  const current = running.get(key);
  if (current !== undefined) return current;
  const next = (async () => {
    const release = await lock(home, name);
    try {
      return await body();
    } finally {
      await release();
    }
  })().finally(() => running.delete(key));
  running.set(key, next);
  return next;
}

interface Holder {
  pid: number;
  host: string;
  startedAt: string;
}

/** A lock older than this is stale whoever holds it (a check takes well under a minute). */
const STALE_MS = 10 * 60_000;

async function lock(home: string, name: string): Promise<() => Promise<void>> {
  await mkdir(checksDir(home), { recursive: true });
  const file = path.join(checksDir(home), `${name}.lock`);
  const me: Holder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o644);
      await handle.writeFile(JSON.stringify(me));
      await handle.close();
      return () => unlink(file).catch(() => undefined);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = await readHolder(file);
    // a lock being written this moment has no holder yet: it is taken, not stale
    const young =
      holder === undefined &&
      (await stat(file).then(
        (st) => Date.now() - st.mtimeMs < 10_000,
        () => false,
      ));
    if (young) throw new EngawaError('BUSY', `A check of "${name}" is starting in another process; wait for it to finish.`, { name });
    if (holder !== undefined && alive(holder)) {
      throw new EngawaError('BUSY', `A check of "${name}" is already running (process ${holder.pid}, since ${holder.startedAt}); wait for it to finish.`, {
        name,
        pid: holder.pid,
      });
    }
    await unlink(file).catch((err: unknown) => {
      if (!isMissing(err)) throw err;
    });
  }
  throw new EngawaError('BUSY', `A check of "${name}" keeps being started by another process; try again.`, { name });
}

async function readHolder(file: string): Promise<Holder | undefined> {
  try {
    const h = JSON.parse(await readFile(file, 'utf8')) as Holder;
    return typeof h.pid === 'number' ? h : undefined;
  } catch {
    return undefined;
  }
}

function alive(h: Holder): boolean {
  if (Date.now() - Date.parse(h.startedAt) > STALE_MS) return false;
  if (h.host !== os.hostname()) return true;
  try {
    process.kill(h.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

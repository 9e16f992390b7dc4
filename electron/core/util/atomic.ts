/** Crash-safe file writes: readers see either the old file or the new one, never a torn one. */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { EngawaError } from './errors';

/**
 * Writes `data` to `file` atomically: a temporary file in the same directory is written and
 * fsynced, renamed over the target, then the directory is fsynced (not on Windows, where
 * directories cannot be opened). On any error the temporary file is removed and the old file
 * is left as it was. `mode` (default 0o644) is applied exactly, regardless of the umask.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, opts: { mode?: number } = {}): Promise<void> {
  const mode = opts.mode ?? 0o644;
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'wx', mode);
    try {
      if (process.platform !== 'win32') await handle.chmod(mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await renameRetrying(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  if (process.platform !== 'win32') await syncDir(path.dirname(file));
}

/**
 * On Windows a rename over a file that another program (an antivirus scanner, the search indexer,
 * a backup tool) holds open fails with EPERM, EBUSY or EACCES for a moment. Such a rename is tried
 * again, with a growing pause, for about three seconds in all; then it fails with advice.
 */
export const RENAME_RETRY = { attempts: 8, firstDelayMs: 25, maxDelayMs: 800 };
const TRANSIENT_RENAME = new Set(['EPERM', 'EBUSY', 'EACCES']);

async function renameRetrying(from: string, to: string): Promise<void> {
  let delay = RENAME_RETRY.firstDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await rename(from, to);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (!TRANSIENT_RENAME.has(code)) throw e;
      if (attempt >= RENAME_RETRY.attempts) {
        throw new EngawaError(
          'INTERNAL',
          `Cannot replace ${to}: another program keeps it open (${code}). Close programs that may be scanning it (an antivirus, a sync or backup tool), then try again.`,
          { path: to, code, attempts: attempt },
          { cause: e },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, RENAME_RETRY.maxDelayMs);
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Reads and parses a JSON file. A file that is not valid JSON is left in place and reported as an
 * EngawaError naming it; a missing file throws the usual ENOENT error.
 */
export async function readJson<T>(file: string): Promise<T> {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new EngawaError('INTERNAL', `The file ${file} is damaged (not valid JSON); repair it or move it away, then try again.`, { path: file }, { cause: e });
  }
}

/** True for Node's "no such file or directory" error. */
export function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

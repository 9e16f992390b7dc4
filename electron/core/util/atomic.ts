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
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  if (process.platform !== 'win32') await syncDir(path.dirname(file));
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

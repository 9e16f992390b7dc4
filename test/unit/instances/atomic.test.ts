import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readJson, RENAME_RETRY, writeFileAtomic } from '../../../electron/core/util/atomic';

/** Which step of the next write fails: the data write (after a few bytes reached the disk) or the rename. */
const failure = vi.hoisted(() => ({ at: null as null | 'write' | 'rename', busyRenames: 0, renames: 0 }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const enospc = (): Error => Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
  return {
    ...real,
    open: async (...args: Parameters<typeof real.open>) => {
      const handle = await real.open(...args);
      if (failure.at !== 'write') return handle;
      failure.at = null;
      return new Proxy(handle, {
        get(target, prop) {
          if (prop === 'writeFile') {
            return async (data: string | Uint8Array) => {
              await target.write(Buffer.from(data).subarray(0, 3));
              throw enospc();
            };
          }
          const value = Reflect.get(target, prop) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    },
    rename: async (...args: Parameters<typeof real.rename>) => {
      failure.renames++;
      if (failure.busyRenames > 0) {
        failure.busyRenames--;
        throw Object.assign(new Error('EPERM: operation not permitted, rename'), { code: 'EPERM' });
      }
      if (failure.at === 'rename') {
        failure.at = null;
        throw enospc();
      }
      return real.rename(...args);
    },
  };
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'engawa-atomic-'));
  failure.at = null;
  failure.busyRenames = 0;
  failure.renames = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('replaces the content and leaves no temporary file', async () => {
    const file = path.join(dir, 'a.json');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, 'two');
    expect(await readFile(file, 'utf8')).toBe('two');
    expect(await readdir(dir)).toEqual(['a.json']);
  });

  it.each(['write', 'rename'] as const)('keeps the old content when the %s fails, and cleans up', async (at) => {
    const file = path.join(dir, 'a.json');
    await writeFileAtomic(file, 'old content');
    failure.at = at;
    await expect(writeFileAtomic(file, 'new content that never lands')).rejects.toThrow(/ENOSPC/);
    expect(await readFile(file, 'utf8')).toBe('old content');
    expect(await readdir(dir)).toEqual(['a.json']);
  });

  describe('when another program holds the file (EPERM on Windows)', () => {
    const saved = { ...RENAME_RETRY };
    beforeEach(() => Object.assign(RENAME_RETRY, { firstDelayMs: 1, maxDelayMs: 4 }));
    afterEach(() => Object.assign(RENAME_RETRY, saved));

    it('tries the rename again and lands the new content', async () => {
      const file = path.join(dir, 'a.json');
      await writeFileAtomic(file, 'old');
      failure.renames = 0;
      failure.busyRenames = 3;
      await writeFileAtomic(file, 'new');
      expect(await readFile(file, 'utf8')).toBe('new');
      expect(failure.renames).toBe(4);
      expect(await readdir(dir)).toEqual(['a.json']);
    });

    it('gives up after the bound with advice, keeping the old content and no temporary file', async () => {
      const file = path.join(dir, 'a.json');
      await writeFileAtomic(file, 'old');
      failure.renames = 0;
      failure.busyRenames = 1000;
      await expect(writeFileAtomic(file, 'new')).rejects.toMatchObject({
        code: 'INTERNAL',
        message: expect.stringContaining('another program keeps it open (EPERM)'),
      });
      expect(failure.renames).toBe(RENAME_RETRY.attempts);
      expect(await readFile(file, 'utf8')).toBe('old');
      expect(await readdir(dir)).toEqual(['a.json']);
    });
  });

  it.skipIf(process.platform === 'win32')('applies the mode exactly, regardless of the umask', async () => {
    const file = path.join(dir, 's.json');
    const old = process.umask(0o077);
    try {
      await writeFileAtomic(file, 'x', { mode: 0o644 });
    } finally {
      process.umask(old);
    }
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    await writeFileAtomic(file, 'y', { mode: 0o600 });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});

describe('readJson', () => {
  it('parses a file', async () => {
    const file = path.join(dir, 'ok.json');
    await writeFile(file, '{"a":1}');
    expect(await readJson(file)).toEqual({ a: 1 });
  });

  it('names a damaged file and keeps it', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, '{"a":');
    await expect(readJson(file)).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining(file) });
    expect(await readFile(file, 'utf8')).toBe('{"a":');
  });

  it('throws ENOENT for a missing file', async () => {
    await expect(readJson(path.join(dir, 'none.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

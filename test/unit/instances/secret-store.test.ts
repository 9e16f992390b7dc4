import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSecretStore, MemorySecretStore } from '../../../electron/core/instances/secret-store';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-secrets-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('FileSecretStore', () => {
  it('stores, reads and deletes one file per instance', async () => {
    const store = new FileSecretStore(home);
    expect(await store.get('blog')).toEqual({});
    await store.set('blog', { db: 'abc' });
    await store.set('pds', { key: 'xyz' });
    expect(await store.get('blog')).toEqual({ db: 'abc' });
    expect((await readdir(path.join(home, 'secrets'))).sort()).toEqual(['blog.json', 'pds.json']);
    await store.delete('blog');
    await store.delete('blog');
    expect(await store.get('blog')).toEqual({});
    expect(await store.get('pds')).toEqual({ key: 'xyz' });
  });

  it.skipIf(process.platform === 'win32')('writes the file 0600 in a 0700 folder', async () => {
    const store = new FileSecretStore(home);
    await store.set('blog', { db: 'abc' });
    expect((await stat(path.join(home, 'secrets'))).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(home, 'secrets', 'blog.json'))).mode & 0o777).toBe(0o600);
  });

  it.skipIf(process.platform === 'win32')('refuses a file other users can read, telling how to fix it', async () => {
    const store = new FileSecretStore(home);
    await store.set('blog', { db: 'abc' });
    const file = path.join(home, 'secrets', 'blog.json');
    await chmod(file, 0o644);
    await expect(store.get('blog')).rejects.toMatchObject({ code: 'SECRETS', message: expect.stringContaining(`chmod 600 ${file}`) });
    await chmod(file, 0o600);
    expect(await store.get('blog')).toEqual({ db: 'abc' });
  });
});

describe('MemorySecretStore', () => {
  it('keeps copies, not references', async () => {
    const store = new MemorySecretStore();
    const values = { a: '1' };
    await store.set('x', values);
    values.a = 'changed';
    const read = await store.get('x');
    read.a = 'also changed';
    expect(await store.get('x')).toEqual({ a: '1' });
    await store.delete('x');
    expect(await store.get('x')).toEqual({});
  });
});

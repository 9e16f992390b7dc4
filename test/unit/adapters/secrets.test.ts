/**
 * The safeStorage SecretStore: values stored encrypted (never in clear), the Linux plain-text
 * fallback refused without the user's consent, CLI-made secrets read and then moved.
 */
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SafeStorageSecretStore, type Encryptor } from '../../../electron/adapters/secrets';
import { FileSecretStore } from '../../../electron/core/instances/secret-store';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-safe-'));
});
afterEach(() => rm(home, { recursive: true, force: true }));

/** A reversible fake cipher (XOR), so the test sees that what is on disk is not the clear text. */
function fakeSafeStorage(backend: ReturnType<Encryptor['getSelectedStorageBackend']> = 'gnome_libsecret', available = true): Encryptor {
  const xor = (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a));
  return {
    isAsyncEncryptionAvailable: async () => available,
    getSelectedStorageBackend: () => backend,
    encryptStringAsync: async (s: string) => xor(Buffer.from(s, 'utf8')),
    decryptStringAsync: async (b: Buffer) => ({ result: xor(b).toString('utf8'), shouldReEncrypt: false }),
  };
}

const store = (safeStorage: Encryptor, allow = false, platform: NodeJS.Platform = 'linux') =>
  new SafeStorageSecretStore({ home, safeStorage, platform, allowPlainText: () => allow });

describe('SafeStorageSecretStore', () => {
  it('keeps secrets encrypted in a 0600 file and reads them back', async () => {
    const s = store(fakeSafeStorage());
    await s.set('blog', { db_password: 'hunter2-very-secret' });
    expect(await s.get('blog')).toEqual({ db_password: 'hunter2-very-secret' });
    const files = await readdir(path.join(home, 'secrets'));
    expect(files).toEqual(['blog.safe']);
    const raw = await readFile(path.join(home, 'secrets', 'blog.safe'));
    expect(raw.toString('utf8')).not.toContain('hunter2');
    expect((await stat(path.join(home, 'secrets', 'blog.safe'))).mode & 0o777).toBe(0o600);
    await s.delete('blog');
    expect(await s.get('blog')).toEqual({});
  });

  it('refuses the Linux plain-text fallback unless the user agreed', async () => {
    await expect(store(fakeSafeStorage('basic_text')).set('blog', { a: 'b' })).rejects.toMatchObject({ code: 'SECRETS', details: { backend: 'basic_text' } });
    await expect(readdir(path.join(home, 'secrets'))).rejects.toThrow();
    await store(fakeSafeStorage('basic_text'), true).set('blog', { a: 'b' });
    expect(await store(fakeSafeStorage('basic_text'), true).get('blog')).toEqual({ a: 'b' });
    await expect(store(fakeSafeStorage('basic_text'), false).get('blog')).rejects.toMatchObject({ code: 'SECRETS' });
  });

  it('does not apply the Linux rule elsewhere, and refuses when no encryption is available', async () => {
    await store(fakeSafeStorage('basic_text'), false, 'darwin').set('blog', { a: 'b' });
    await expect(store(fakeSafeStorage('gnome_libsecret', false)).set('pds', { a: 'b' })).rejects.toMatchObject({ code: 'SECRETS' });
  });

  it('reads secrets the CLI stored, and stores them encrypted on the next write', async () => {
    await new FileSecretStore(home, 'linux').set('blog', { a: 'from-cli' });
    const s = store(fakeSafeStorage());
    expect(await s.get('blog')).toEqual({ a: 'from-cli' });
    await s.set('blog', { a: 'from-cli', b: 'new' });
    expect(await readdir(path.join(home, 'secrets'))).toEqual(['blog.safe']);
  });

  it('says so when the stored secrets cannot be decrypted', async () => {
    await store(fakeSafeStorage()).set('blog', { a: 'b' });
    const broken = { ...fakeSafeStorage(), decryptStringAsync: async () => Promise.reject(new Error('key changed')) };
    await expect(store(broken).get('blog')).rejects.toMatchObject({ code: 'SECRETS', message: expect.stringContaining('"blog"') });
  });
});

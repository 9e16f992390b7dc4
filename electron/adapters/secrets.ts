/**
 * The desktop app's SecretStore: each instance's secrets encrypted with Electron's safeStorage
 * (macOS Keychain, Windows DPAPI, Linux libsecret/kwallet) in `<home>/secrets/<name>.safe`
 * (0600). On Linux without a keyring Electron silently falls back to a hard-coded key
 * ('basic_text'); this store refuses that unless the user agreed in the settings.
 * Secrets of instances made with the CLI (plain 0600 JSON beside them) are read as they are;
 * the next write stores them encrypted and removes the plain file.
 * @see https://www.electronjs.org/docs/latest/api/safe-storage
 */
import { chmod, mkdir, readFile, unlink } from 'node:fs/promises';
import type { SafeStorage } from 'electron';
import { EngawaError } from '../core/util/errors';
import { isMissing, writeFileAtomic } from '../core/util/atomic';
import { FileSecretStore, secretFile, secretsDir, type SecretStore } from '../core/instances';

/** The safeStorage calls this store uses (the async ones: the sync API is going away). */
export type Encryptor = Pick<SafeStorage, 'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync' | 'getSelectedStorageBackend'>;

export interface SafeStorageSecretStoreOptions {
  home: string;
  safeStorage: Encryptor;
  platform?: NodeJS.Platform;
  /** the user's consent to the plain-text fallback (AppSettings.allowPlainTextSecrets) */
  allowPlainText: () => boolean;
}

export class SafeStorageSecretStore implements SecretStore {
  readonly kind = 'safeStorage';
  private readonly platform: NodeJS.Platform;
  private readonly plain: FileSecretStore;

  constructor(private readonly opts: SafeStorageSecretStoreOptions) {
    this.platform = opts.platform ?? process.platform;
    this.plain = new FileSecretStore(opts.home, this.platform);
  }

  /** `<home>/secrets/<name>.safe` (the name is checked by secretFile) */
  private file(instance: string): string {
    return secretFile(this.opts.home, instance).replace(/\.json$/, '.safe');
  }

  /** SECRETS when encryption is unavailable, or is the Linux plain-text fallback without consent. */
  private async assertUsable(): Promise<void> {
    if (!(await this.opts.safeStorage.isAsyncEncryptionAvailable())) {
      throw new EngawaError('SECRETS', 'This computer offers no safe place for passwords right now; sign in to your desktop session and try again.', {
        store: this.kind,
      });
    }
    if (this.platform === 'linux' && this.opts.safeStorage.getSelectedStorageBackend() === 'basic_text' && !this.opts.allowPlainText()) {
      throw new EngawaError(
        'SECRETS',
        'No keyring (such as GNOME Keyring or KWallet) is running, so passwords could not be kept safe; start one, or allow plain storage in Settings.',
        { store: this.kind, backend: 'basic_text' },
      );
    }
  }

  async get(instance: string): Promise<Record<string, string>> {
    let data: Buffer;
    try {
      data = await readFile(this.file(instance));
    } catch (e) {
      if (isMissing(e)) return this.plain.get(instance); // made by the CLI, or nothing stored
      throw e;
    }
    await this.assertUsable();
    let values: unknown;
    try {
      values = JSON.parse((await this.opts.safeStorage.decryptStringAsync(data)).result);
    } catch (e) {
      throw new EngawaError(
        'SECRETS',
        `The secrets of "${instance}" cannot be read on this computer; restore them from a backup.`,
        { name: instance },
        { cause: e },
      );
    }
    if (typeof values !== 'object' || values === null || Object.values(values).some((v) => typeof v !== 'string')) {
      throw new EngawaError('SECRETS', `The secrets of "${instance}" are damaged; restore them from a backup.`, { name: instance });
    }
    return values as Record<string, string>;
  }

  async set(instance: string, values: Record<string, string>): Promise<void> {
    await this.assertUsable();
    const encrypted = await this.opts.safeStorage.encryptStringAsync(JSON.stringify(values));
    const dir = secretsDir(this.opts.home);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (this.platform !== 'win32') await chmod(dir, 0o700);
    await writeFileAtomic(this.file(instance), encrypted, { mode: 0o600 });
    await this.plain.delete(instance);
  }

  async delete(instance: string): Promise<void> {
    await unlink(this.file(instance)).catch((e: unknown) => {
      if (!isMissing(e)) throw e;
    });
    await this.plain.delete(instance);
  }
}

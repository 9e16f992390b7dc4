/**
 * Where instance secrets live. The Electron adapter stores them with the OS keychain (safeStorage);
 * the CLI uses `FileSecretStore`; tests use `MemorySecretStore`.
 */
import { chmod, mkdir, stat, unlink } from 'node:fs/promises';
import { EngawaError } from '../util/errors';
import { isMissing, readJson, writeFileAtomic } from '../util/atomic';
import { secretFile, secretsDir } from './home';

export interface SecretStore {
  /** the instance's secrets; `{}` when none are stored */
  get(instance: string): Promise<Record<string, string>>;
  /** replaces all the instance's secrets */
  set(instance: string, values: Record<string, string>): Promise<void>;
  /** removes them; no error when there are none */
  delete(instance: string): Promise<void>;
  /** short name of the mechanism, for `doctor` and logs: 'file', 'memory', 'safeStorage' … */
  readonly kind: string;
}

/** One JSON file per instance under `<home>/secrets/`, mode 0600 in a 0700 directory. */
export class FileSecretStore implements SecretStore {
  readonly kind = 'file';
  constructor(
    private readonly home: string,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {}

  async get(instance: string): Promise<Record<string, string>> {
    const file = secretFile(this.home, instance);
    try {
      const info = await stat(file);
      if (this.platform !== 'win32' && (info.mode & 0o077) !== 0) {
        throw new EngawaError('SECRETS', `The secrets file ${file} can be read by other users; run "chmod 600 ${file}" and try again.`, { path: file });
      }
      const values = await readJson<unknown>(file);
      if (!isStringRecord(values)) {
        throw new EngawaError('SECRETS', `The secrets file ${file} is damaged; restore it from a backup.`, { path: file });
      }
      return values;
    } catch (e) {
      if (isMissing(e)) return {};
      throw e;
    }
  }

  async set(instance: string, values: Record<string, string>): Promise<void> {
    const dir = secretsDir(this.home);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (this.platform !== 'win32') await chmod(dir, 0o700);
    await writeFileAtomic(secretFile(this.home, instance), JSON.stringify(values, null, 2) + '\n', { mode: 0o600 });
  }

  async delete(instance: string): Promise<void> {
    await unlink(secretFile(this.home, instance)).catch((e: unknown) => {
      if (!isMissing(e)) throw e;
    });
  }
}

/** Keeps secrets in memory only (tests, dry runs). */
export class MemorySecretStore implements SecretStore {
  readonly kind = 'memory';
  private readonly map = new Map<string, Record<string, string>>();
  async get(instance: string): Promise<Record<string, string>> {
    return { ...this.map.get(instance) };
  }
  async set(instance: string, values: Record<string, string>): Promise<void> {
    this.map.set(instance, { ...values });
  }
  async delete(instance: string): Promise<void> {
    this.map.delete(instance);
  }
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}

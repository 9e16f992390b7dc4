/**
 * The app's own settings (language, launch at login, notifications, the plain-text secrets
 * consent), kept in `<home>/settings.json`, written atomically. A damaged or foreign file is
 * ignored field by field: each value that is not valid falls back to its default.
 */
import path from 'node:path';
import type { AppSettings } from '../../shared/contract';
import { isMissing, readJson, writeFileAtomic } from '../util/atomic';
import { SETTINGS_FIELDS } from './schemas';

/** The settings of a fresh install. */
export const DEFAULT_SETTINGS: AppSettings = {
  language: null,
  launchAtLogin: false,
  notifications: true,
  allowPlainTextSecrets: false,
};

/** Where the settings live. */
export const settingsFile = (home: string): string => path.join(home, 'settings.json');

export class SettingsStore {
  private constructor(
    private readonly file: string,
    private current: AppSettings,
  ) {}

  /** Reads the settings file (defaults when there is none). */
  static async open(home: string): Promise<SettingsStore> {
    const file = settingsFile(home);
    let stored: unknown = {};
    try {
      stored = await readJson<unknown>(file);
    } catch (e) {
      if (!isMissing(e)) stored = {}; // damaged: start from the defaults, rewritten on the next change
    }
    return new SettingsStore(file, sanitize(stored));
  }

  /** The current settings (a copy). */
  get(): AppSettings {
    return { ...this.current };
  }

  /** Applies `patch`, writes the file and answers the new settings. */
  async update(patch: Partial<AppSettings>): Promise<AppSettings> {
    const next = sanitize({ ...this.current, ...stripUndefined(patch) });
    await writeFileAtomic(this.file, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
    this.current = next;
    return this.get();
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Keeps each valid field of `value`, the default for the rest. */
function sanitize(value: unknown): AppSettings {
  const out: AppSettings = { ...DEFAULT_SETTINGS };
  if (typeof value !== 'object' || value === null) return out;
  for (const [key, schema] of Object.entries(SETTINGS_FIELDS)) {
    const parsed = schema.safeParse((value as Record<string, unknown>)[key]);
    if (parsed.success && parsed.data !== undefined) (out as unknown as Record<string, unknown>)[key] = parsed.data;
  }
  return out;
}

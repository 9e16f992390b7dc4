/**
 * The backup passphrase of an instance, chosen once by the user and kept in the SecretStore beside
 * the instance's other secrets (under a key no recipe secret can have), so scheduled backups and
 * the tray's "Back up now" can run without asking. It never goes into a backup: the store the
 * backup code sees (`withoutPassphrase`) hides it on read and keeps it on write.
 */
import { EngawaError } from '../util/errors';
import type { SecretStore } from '../instances';

/** The key in the instance's secrets (recipe secret names cannot hold a dot). */
export const PASSPHRASE_KEY = 'engawa.backupPassphrase';
/**
 * The shortest passphrase a new backup accepts. A backup holds every key of the server; with its
 * passphrase, a copy found on a lost disk opens: 12 characters at the least.
 */
export const MIN_PASSPHRASE = 12;

/**
 * A rough strength for the hint shown while choosing a passphrase (not a gate beyond the minimum):
 * length counts most; kinds of characters (lower, upper, digits, others, spaces between words) add.
 */
export function passphraseStrength(passphrase: string): 'too-short' | 'weak' | 'fair' | 'strong' {
  if (passphrase.length < MIN_PASSPHRASE) return 'too-short';
  const kinds = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z\d\s]/, /\S\s+\S/].filter((r) => r.test(passphrase)).length;
  const distinct = new Set(passphrase).size;
  if (distinct < 6) return 'weak';
  const score = passphrase.length + 3 * kinds;
  return score >= 26 ? 'strong' : score >= 20 ? 'fair' : 'weak';
}

/** The kept passphrase of `name`, or undefined. */
export async function keptPassphrase(store: SecretStore, name: string): Promise<string | undefined> {
  const value = (await store.get(name))[PASSPHRASE_KEY];
  return value === undefined || value === '' ? undefined : value;
}

/** Keeps `passphrase` for `name` (INVALID_INPUT when it is too short). */
export async function keepPassphrase(store: SecretStore, name: string, passphrase: string): Promise<void> {
  if (passphrase.length < MIN_PASSPHRASE) {
    throw new EngawaError('INVALID_INPUT', `Choose a backup passphrase of at least ${MIN_PASSPHRASE} characters.`, { path: 'passphrase' });
  }
  const secrets = await store.get(name);
  if (secrets[PASSPHRASE_KEY] === passphrase) return;
  await store.set(name, { ...secrets, [PASSPHRASE_KEY]: passphrase });
}

/** The passphrase to use: the one given, else the kept one; STATE (details.reason 'passphrase') when neither exists. */
export async function passphraseFor(store: SecretStore, name: string, given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  const kept = await keptPassphrase(store, name);
  if (kept !== undefined) return kept;
  throw new EngawaError('STATE', `No backup passphrase is kept for "${name}"; enter it in the Backups tab.`, { name, reason: 'passphrase' });
}

/** `store` as backup code must see it: the passphrase hidden on read and kept on write. */
export function withoutPassphrase(store: SecretStore): SecretStore {
  return {
    kind: store.kind,
    async get(name) {
      const { [PASSPHRASE_KEY]: _kept, ...rest } = await store.get(name);
      return rest;
    },
    async set(name, values) {
      const kept = await keptPassphrase(store, name);
      const { [PASSPHRASE_KEY]: _given, ...rest } = values;
      await store.set(name, kept === undefined ? rest : { ...rest, [PASSPHRASE_KEY]: kept });
    },
    delete: (name) => store.delete(name),
  };
}

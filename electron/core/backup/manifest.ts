/**
 * The manifest: the first entry of every backup (`manifest.json`), describing what the backup is
 * (format, app and stack versions, the instance as it was recorded) and listing every other entry
 * with its size and SHA-256. `checkManifest` validates one read from a file, against the strict
 * schema of manifest-schema.ts, before anything else of the file is trusted.
 */
import { EngawaError } from '../util/errors';
import type { InstanceRecord } from '../instances';
import { MANIFEST_LIMITS, MANIFEST_SCHEMA } from './manifest-schema';

/** The format this version writes; a backup with a higher number is refused (made by a newer Engawa). */
export const FORMAT_VERSION = 1;
export const FORMAT_NAME = 'engawa-backup';
/** The app's version, written into every manifest (a unit test keeps it equal to package.json's). */
export const APP_VERSION = '0.1.0';

export type EntryKind = 'postgres' | 'volume' | 'secrets';

export interface ManifestEntry {
  /** path inside the archive, e.g. `databases/db.dump`, `volumes/redis.tar`, `secrets.json` */
  path: string;
  kind: EntryKind;
  /** the database service (postgres) or the recipe's volume key (volume) */
  source?: string;
  size: number;
  sha256: string;
}

/** Data counted on an instance (see probes.ts). */
export interface ProbeValues {
  /** row counts by `service/table` (-1: the table is missing) */
  tables?: Record<string, number>;
  /** the PDS: by account DID, its repository's head commit, record and blob counts; one record and one blob read back */
  pds?: { accounts: Record<string, PdsAccount>; sample?: PdsSample };
}

export interface PdsAccount {
  /** CID of the repository's latest commit (it covers every record) */
  head: string;
  records: number;
  blobs: number;
}

/** A record and a blob, with what reading them back gave (`cid` of the record, `blobBytes` read). */
export interface PdsSample {
  uri: string;
  cid: string;
  blob?: { did: string; cid: string; bytes: number };
}

/**
 * What the drill compares a restored copy with: each count measured on the live instance just
 * before and just after its data was taken, as [lowest, highest] (a busy server changes meanwhile).
 */
export interface Probes {
  tables?: Record<string, [number, number]>;
  pds?: { accounts: Record<string, { heads: string[]; records: [number, number]; blobs: [number, number] }>; sample?: PdsSample };
}

export interface Manifest {
  format: typeof FORMAT_NAME;
  formatVersion: number;
  app: { version: string };
  /** ISO time the backup started */
  createdAt: string;
  stack: { id: string; version: string };
  /** the instance as recorded, less its live state; the tunnel's tokens are among the secrets */
  instance: Pick<InstanceRecord, 'name' | 'domain' | 'createdAt' | 'settings' | 'overrides' | 'ports' | 'admin'> & { tunnel?: InstanceRecord['tunnel'] };
  entries: ManifestEntry[];
  /** volumes left out (caches by default), with their size when it could be measured */
  excluded: { volume: string; reason: 'cache' | 'none'; bytes?: number }[];
  probes: Probes;
  /** how long services were stopped for a consistent copy, in ms (0 when none were) */
  downtimeMs: number;
}

function invalid(what: string): EngawaError {
  return new EngawaError('INVALID_INPUT', `This backup's description is not valid (${what}); the file is not a usable Engawa backup.`, {
    reason: 'format',
  });
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Parses and checks a manifest; refuses a newer format with a message that says so. */
export function checkManifest(text: string): Manifest {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw invalid('it is not JSON');
  }
  if (!isObj(m) || m.format !== FORMAT_NAME) throw invalid('it is not an Engawa backup manifest');
  if (typeof m.formatVersion !== 'number' || !Number.isInteger(m.formatVersion) || m.formatVersion < 1) throw invalid('no format version');
  if (m.formatVersion > FORMAT_VERSION) {
    const app = isObj(m.app) && typeof m.app.version === 'string' ? m.app.version : 'a newer version';
    throw new EngawaError('INVALID_INPUT', `This backup was made by Engawa ${app} in a newer format (${m.formatVersion}); update Engawa to restore it.`, {
      reason: 'newer-format',
      formatVersion: m.formatVersion,
    });
  }
  // every field typed and bounded, unknown keys refused (manifest-schema.ts)
  const parsed = MANIFEST_SCHEMA.safeParse(m);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(issue ? `${issue.path.join('.') || 'the manifest'}: ${issue.message}` : 'it does not have the expected shape');
  }
  const v = parsed.data;
  const tooMany = (what: string, record: object | undefined, max: number): void => {
    if (record !== undefined && Object.keys(record).length > max) throw invalid(`more than ${max} ${what}`);
  };
  tooMany('settings', v.instance.settings, MANIFEST_LIMITS.settings);
  tooMany('ports', v.instance.ports, MANIFEST_LIMITS.ports);
  tooMany('probed tables', v.probes.tables, MANIFEST_LIMITS.tables);
  tooMany('probed accounts', v.probes.pds?.accounts, MANIFEST_LIMITS.accounts);
  const seen = new Set<string>();
  for (const e of v.entries) {
    if (seen.has(e.path)) throw invalid(`${e.path} is listed twice`);
    seen.add(e.path);
  }
  if (v.entries.filter((e) => e.kind === 'secrets').length !== 1) throw invalid('no secrets entry');
  return v as Manifest;
}

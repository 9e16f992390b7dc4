/**
 * Test helpers that build backup files by hand (bypassing ArchiveWriter's own checks), to prove
 * the reader refuses what Engawa would never write, and read one back into memory.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { AgeWriter, decryptAge } from '../../../electron/core/backup/age';
import type { Manifest, ManifestEntry } from '../../../electron/core/backup/manifest';
import { TarReader } from '../../../electron/core/backup/tar-reader';
import { fileHeader, padding } from '../../../electron/core/util/tar-write';

export interface RawEntry {
  name: string;
  data: Buffer;
}

/** Writes `entries` as an age-encrypted tar, in order, with nothing checked. */
export async function writeRawArchive(file: string, passphrase: string, entries: RawEntry[], workFactor = 10): Promise<void> {
  const fh = await open(file, 'w', 0o600);
  try {
    const age = await AgeWriter.create(fh, passphrase, workFactor);
    for (const e of entries) {
      await age.write(fileHeader(e.name, e.data.length, 0));
      await age.write(e.data);
      await age.write(padding(e.data.length));
    }
    await age.write(Buffer.alloc(1024));
    await age.finish();
  } finally {
    await fh.close();
  }
}

/** The manifest entry for `data` at `path`. */
export function entryFor(path: string, kind: ManifestEntry['kind'], data: Buffer, source?: string): ManifestEntry {
  return { path, kind, ...(source !== undefined && { source }), size: data.length, sha256: createHash('sha256').update(data).digest('hex') };
}

/** A minimal valid manifest for `entries` (override anything). */
export function manifestOf(entries: ManifestEntry[], over: Partial<Manifest> = {}): Manifest {
  return {
    format: 'engawa-backup',
    formatVersion: 1,
    app: { version: '0.1.0' },
    createdAt: new Date(0).toISOString(),
    stack: { id: 'test-web', version: '1.0.0' },
    instance: { name: 'raw', domain: 'raw.example.com', createdAt: new Date(0).toISOString(), settings: {}, overrides: [], ports: {}, admin: null },
    entries,
    excluded: [],
    probes: {},
    downtimeMs: 0,
    ...over,
  };
}

/** Every entry of a backup file (decrypted, in memory: for small test files only). */
export async function readRawArchive(file: string, passphrase: string): Promise<RawEntry[]> {
  const tar = new TarReader(decryptAge(createReadStream(file) as AsyncIterable<Buffer>, passphrase));
  const out: RawEntry[] = [];
  for (let h = await tar.next(); h !== null; h = await tar.next()) {
    const parts: Buffer[] = [];
    for await (const c of tar.body()) parts.push(c);
    out.push({ name: h.name, data: Buffer.concat(parts) });
  }
  return out;
}

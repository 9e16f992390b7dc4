/**
 * Writing one backup file in a single streaming pass.
 *
 * The file is an age-encrypted tar whose first entry is `manifest.json` with every other entry's
 * size and SHA-256 — facts known only once each entry has streamed through. Nothing is staged:
 * the plaintext's first 64 KiB chunk is reserved for the manifest (a tar header and the JSON,
 * padded with spaces, which JSON ignores) and each entry's tar header is reserved too, then both
 * are filled in when the facts are known (see AgeWriter: reserved chunks stay in memory, at most
 * two of 64 KiB, and are encrypted exactly once). Memory use does not grow with the data.
 *
 * The file is written as `.<name>.partial` (0600) beside the final name, fsynced, then renamed,
 * and the folder fsynced; anything that fails or is cancelled removes the partial file, so a file
 * under the final name is always complete. A killed process leaves only a `.partial` file, which
 * `removeStalePartials` clears before the next backup into that folder.
 */
import { createHash } from 'node:crypto';
import { open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { EngawaError } from '../util/errors';
import { AgeWriter, CHUNK, DEFAULT_WORK_FACTOR } from './age';
import { checkManifest, type EntryKind, type Manifest, type ManifestEntry } from './manifest';
import { BLOCK, fileHeader, padding } from '../util/tar-write';

const MANIFEST_BODY = CHUNK - BLOCK;
const PARTIAL = /^\..+\.partial$/;

export interface WriterOptions {
  /** scrypt work factor (log2); tests lower it, users get age's default */
  workFactor?: number;
  /** called with the plaintext bytes written so far */
  onBytes?: (bytes: number) => void;
  signal?: AbortSignal;
}

export class ArchiveWriter {
  private readonly entries: ManifestEntry[] = [];
  private readonly mtime = Math.floor(Date.now() / 1000);

  private constructor(
    private readonly file: FileHandle,
    private readonly tmp: string,
    private readonly final: string,
    private readonly age: AgeWriter,
    private readonly opts: WriterOptions,
  ) {}

  /** Starts `final` (written as a partial file until `commit`). */
  static async create(final: string, passphrase: string, opts: WriterOptions = {}): Promise<ArchiveWriter> {
    const tmp = path.join(path.dirname(final), `.${path.basename(final)}.partial`);
    const file = await open(tmp, 'wx', 0o600);
    try {
      const age = await AgeWriter.create(file, passphrase, opts.workFactor ?? DEFAULT_WORK_FACTOR);
      age.reserve(0, CHUNK);
      await age.write(Buffer.alloc(CHUNK));
      return new ArchiveWriter(file, tmp, final, age, opts);
    } catch (e) {
      await file.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
  }

  /** Streams one entry into the archive; returns what the manifest lists for it. */
  async add(entryPath: string, kind: EntryKind, data: AsyncIterable<Uint8Array> | Uint8Array, source?: string): Promise<ManifestEntry> {
    const at = this.age.position;
    this.age.reserve(at, BLOCK);
    await this.age.write(Buffer.alloc(BLOCK));
    const hash = createHash('sha256');
    let size = 0;
    const put = async (chunk: Uint8Array): Promise<void> => {
      if (this.opts.signal?.aborted) throw new EngawaError('CANCELLED', 'The backup was cancelled.');
      hash.update(chunk);
      size += chunk.length;
      await this.age.write(chunk);
      this.opts.onBytes?.(this.age.position);
    };
    if (data instanceof Uint8Array) await put(data);
    else for await (const chunk of data) await put(chunk);
    await this.age.write(padding(size));
    await this.age.fill(at, fileHeader(entryPath, size, this.mtime));
    const entry: ManifestEntry = { path: entryPath, kind, ...(source !== undefined && { source }), size, sha256: hash.digest('hex') };
    this.entries.push(entry);
    return entry;
  }

  /** Writes the manifest (with the entries added) first, ends the archive and moves it to its final name. */
  async commit(manifest: Omit<Manifest, 'entries'>): Promise<{ path: string; bytes: number; manifest: Manifest }> {
    const full: Manifest = { ...manifest, entries: this.entries };
    const json = Buffer.from(JSON.stringify(full, null, 2) + '\n');
    if (json.length > MANIFEST_BODY) throw new EngawaError('INTERNAL', 'The backup description is too large.');
    checkManifest(json.toString('utf8'));
    const body = Buffer.alloc(MANIFEST_BODY, 0x20);
    json.copy(body);
    body[MANIFEST_BODY - 1] = 0x0a;
    await this.age.fill(0, Buffer.concat([fileHeader('manifest.json', MANIFEST_BODY, this.mtime), body]));
    await this.age.write(Buffer.alloc(BLOCK * 2));
    const bytes = await this.age.finish();
    await this.file.sync();
    await this.file.close();
    await rename(this.tmp, this.final);
    await syncDir(path.dirname(this.final));
    return { path: this.final, bytes, manifest: full };
  }

  /** Removes the partial file (after a failure or a cancel). */
  async abort(): Promise<void> {
    await this.file.close().catch(() => undefined);
    await unlink(this.tmp).catch(() => undefined);
  }
}

async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Removes the partial files a killed backup left in `dir` for files whose names start with
 * `prefix` (one instance's backups; the caller holds that instance's lock); returns their names.
 */
export async function removeStalePartials(dir: string, prefix: string): Promise<string[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => PARTIAL.test(n) && n.startsWith(`.${prefix}`));
  for (const n of names) await unlink(path.join(dir, n)).catch(() => undefined);
  return names;
}

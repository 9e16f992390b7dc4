/**
 * Reading a backup file: decrypt, read the manifest (which must come first), then every entry,
 * checking its size and SHA-256 against the manifest, that it is listed exactly once, and that
 * every tar inside it is safe to restore (tar-reader.ts `unsafeEntry`, `InnerTarGuard`). With
 * `consume`, each entry's data is also handed over as it streams (the restore's second pass, whose
 * volume tars are checked again as they stream); without it the file is only checked (the first
 * pass, before anything is touched). Memory use does not grow with the data.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { EngawaError, isEngawaError } from '../util/errors';
import { damaged, decryptAge } from './age';
import { checkManifest, type Manifest, type ManifestEntry } from './manifest';
import { InnerTarGuard, TarFormatError, TarReader, unsafeEntry, type TarHeader } from './tar-reader';

export interface ReadOptions {
  passphrase: string;
  /** called with the plaintext bytes read so far */
  onBytes?: (bytes: number) => void;
  signal?: AbortSignal;
  /** called once the manifest is read and checked, before any other entry is read */
  onManifest?: (m: Manifest) => void | Promise<void>;
  /** receives each database dump and volume entry's data as it streams (it must read it all) */
  consume?: (entry: ManifestEntry, data: AsyncIterable<Buffer>) => Promise<void>;
}

export interface ReadResult {
  manifest: Manifest;
  secrets: Record<string, string>;
}

const MAX_SMALL = 1024 * 1024;

/** Reads and checks the whole backup file; see the module comment. */
export async function readArchive(file: string, opts: ReadOptions): Promise<ReadResult> {
  let plain = 0;
  const counted = async function* (): AsyncGenerator<Buffer> {
    const source = createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>;
    for await (const chunk of decryptAge(source, opts.passphrase)) {
      if (opts.signal?.aborted) throw new EngawaError('CANCELLED', 'Reading the backup was cancelled.');
      plain += chunk.length;
      opts.onBytes?.(plain);
      yield chunk;
    }
  };
  const tar = new TarReader(counted());
  try {
    return await readEntries(tar, opts);
  } catch (e) {
    if (e instanceof TarFormatError) throw damaged(e.message);
    if (isEngawaError(e) || (e as NodeJS.ErrnoException).code === undefined) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new EngawaError('NOT_FOUND', `There is no backup file at ${file}.`, { path: file });
    throw e;
  }
}

async function readEntries(tar: TarReader, opts: ReadOptions): Promise<ReadResult> {
  const first = await tar.next();
  if (!first || first.name !== 'manifest.json' || !isRegular(first) || first.size > MAX_SMALL) {
    throw new EngawaError('INVALID_INPUT', 'This file is not an Engawa backup (it has no manifest first).', { reason: 'format' });
  }
  const manifest = checkManifest((await readAll(tar.body(), MAX_SMALL)).toString('utf8'));
  await opts.onManifest?.(manifest);
  const listed = new Map(manifest.entries.map((e) => [e.path, e]));
  const seen = new Set<string>();
  let secrets: Record<string, string> | undefined;
  for (let h = await tar.next(); h !== null; h = await tar.next()) {
    const entry = listed.get(h.name);
    const unsafe = unsafeEntry(h);
    if (unsafe) throw refused(`it contains ${unsafe}`);
    if (!entry || !isRegular(h)) throw refused(`it contains "${h.name}", which its description does not list`);
    if (seen.has(h.name)) throw refused(`it contains "${h.name}" twice`);
    seen.add(h.name);
    const hash = createHash('sha256');
    let size = 0;
    const data = (async function* () {
      for await (const chunk of tar.body()) {
        hash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    })();
    if (entry.kind === 'secrets') secrets = parseSecrets(await readAll(data, MAX_SMALL));
    else if (opts.consume && entry.kind === 'volume') await consumeChecked(entry, data, opts.consume);
    else if (opts.consume) await opts.consume(entry, data);
    else if (entry.kind === 'volume') await checkInnerTar(entry, data);
    for await (const _ of data); // whatever the consumer left
    for await (const _ of tar.body()); // a consumer that stopped early left data: the size check catches it
    if (size !== entry.size || hash.digest('hex') !== entry.sha256) throw damaged(`${entry.path} does not match its checksum`);
  }
  if (!(await tar.trailingDataIsZero())) throw damaged('there is data after its end');
  const missing = manifest.entries.filter((e) => !seen.has(e.path)).map((e) => e.path);
  if (missing.length > 0) throw damaged(`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`);
  if (!secrets) throw damaged('the secrets are missing');
  return { manifest, secrets };
}

function isRegular(h: TarHeader): boolean {
  return h.type === '0' || h.type === '\0';
}

function refused(why: string): EngawaError {
  return new EngawaError('INVALID_INPUT', `This backup cannot be restored safely: ${why}.`, { reason: 'unsafe' });
}

/** Entries a volume's tar may hold: far beyond any real server's, short of a flood that would only cost time. */
export const MAX_INNER_ENTRIES = 10_000_000;

/** Walks a volume's tar and refuses anything that must not be restored. */
async function checkInnerTar(entry: ManifestEntry, data: AsyncIterable<Buffer>): Promise<void> {
  const inner = new TarReader(data);
  const guard = new InnerTarGuard({ maxBytes: entry.size, maxEntries: MAX_INNER_ENTRIES });
  try {
    for (let h = await inner.next(); h !== null; h = await inner.next()) {
      const unsafe = guard.check(h);
      if (unsafe) throw refused(`the storage "${entry.source ?? entry.path}" contains ${unsafe}`);
    }
  } catch (e) {
    if (e instanceof TarFormatError) throw damaged(`${entry.path}: ${e.message}`);
    throw e;
  }
}

/**
 * Hands a volume's data to `consume` while the same bytes go through the inner-tar checks: the
 * restore's pass is checked too (a file swapped after the verifying pass is caught as it streams).
 * What `consume` wrote only lands in new volumes, which are dropped when anything fails.
 */
async function consumeChecked(entry: ManifestEntry, data: AsyncIterable<Buffer>, consume: NonNullable<ReadOptions['consume']>): Promise<void> {
  const feed = new ChunkFeed();
  let failure: unknown;
  const checking = checkInnerTar(entry, feed)
    .catch((e: unknown) => {
      failure = e;
    })
    .finally(() => feed.close());
  const tee = async function* (): AsyncGenerator<Buffer> {
    for await (const chunk of data) {
      await feed.push(chunk);
      if (failure !== undefined) throw failure; // stop writing the moment the tar turns out unsafe
      yield chunk;
    }
    feed.end();
  };
  try {
    await consume(entry, tee());
  } catch (e) {
    await checking;
    throw failure ?? e;
  }
  await checking;
  if (failure !== undefined) throw failure;
}

/** A one-way queue of chunks from a producer to one async reader, with a little backpressure. */
class ChunkFeed implements AsyncIterable<Buffer> {
  private readonly chunks: Buffer[] = [];
  private ended = false;
  private closed = false;
  private wake: (() => void) | undefined;
  private drained: (() => void) | undefined;

  async push(chunk: Buffer): Promise<void> {
    if (this.closed) return; // the reader stopped (it failed, or the tar ended): nothing more to check
    this.chunks.push(chunk);
    this.wake?.();
    if (this.chunks.length > 16) await new Promise<void>((resolve) => (this.drained = resolve));
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.chunks.length = 0;
    this.drained?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    for (;;) {
      const next = this.chunks.shift();
      if (next !== undefined) {
        if (this.chunks.length <= 4) this.drained?.();
        yield next;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

async function readAll(data: AsyncIterable<Buffer>, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of data) {
    n += chunk.length;
    if (n > max) throw damaged('a part that should be small is too large');
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

function parseSecrets(buf: Buffer): Record<string, string> {
  let v: unknown;
  try {
    v = JSON.parse(buf.toString('utf8'));
  } catch {
    throw damaged('its secrets are not readable');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'string')) {
    throw damaged('its secrets are not readable');
  }
  return v as Record<string, string>;
}

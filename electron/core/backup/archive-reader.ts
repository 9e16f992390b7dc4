/**
 * Reading a backup file: decrypt, read the manifest (which must come first), then every entry,
 * checking its size and SHA-256 against the manifest, that it is listed exactly once, and that
 * every tar inside it is safe to restore (tar-reader.ts `unsafeEntry`, `InnerTarGuard`). With
 * `consume`, each entry's data is also handed over as it streams, checked as it goes (a restore's
 * one pass: what it writes is what was hashed and checked, and it counts only once every entry
 * matched); without it the file is only checked (`backups.verify`, `inspect`). Memory use does not
 * grow with the data.
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

/**
 * A backup file opened for one pass: its manifest read and checked, and the secrets when they come
 * right after it (as Engawa writes them: small, checked against the manifest, so a restore can
 * judge them before it touches anything); the rest not read yet. `rest` reads every other entry,
 * once (the file is opened once: a file swapped at its path afterwards changes nothing), and gives
 * `onSecrets` the secrets first when they were read ahead, else as their entry ends; `close` lets
 * go of the file when the rest is never read.
 */
export interface OpenArchive {
  readonly file: string;
  readonly manifest: Manifest;
  /** the secrets, when the file holds them right after the manifest */
  readonly secrets: Record<string, string> | undefined;
  rest(consume?: ReadOptions['consume'], onSecrets?: (secrets: Record<string, string>) => void | Promise<void>): Promise<ReadResult>;
  close(): Promise<void>;
}

/** Opens `file` and reads its manifest (the passphrase is checked here); see OpenArchive. */
export async function openArchive(file: string, opts: Omit<ReadOptions, 'consume' | 'onManifest'>): Promise<OpenArchive> {
  let plain = 0;
  const source = (async function* (): AsyncGenerator<Buffer> {
    const stream = createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>;
    for await (const chunk of decryptAge(stream, opts.passphrase)) {
      if (opts.signal?.aborted) throw new EngawaError('CANCELLED', 'Reading the backup was cancelled.');
      plain += chunk.length;
      opts.onBytes?.(plain);
      yield chunk;
    }
  })();
  const tar = new TarReader(source);
  const close = async (): Promise<void> => void (await source.return(undefined).catch(() => undefined));
  try {
    const manifest = await mapErrors(file, () => readManifest(tar));
    const pass: Pass = { tar, manifest, listed: new Map(manifest.entries.map((e) => [e.path, e])), seen: new Set(), ahead: undefined };
    const ahead = await mapErrors(file, () => tar.next());
    if (ahead !== null && isRegular(ahead) && pass.listed.get(ahead.name)?.kind === 'secrets') await mapErrors(file, () => readEntry(pass, ahead, undefined));
    else pass.ahead = ahead;
    const early = pass.secrets;
    let read = false;
    return {
      file,
      manifest,
      secrets: early,
      close,
      rest: async (consume, onSecrets) => {
        if (read) throw new Error('a backup file is read once');
        read = true;
        try {
          if (early !== undefined) await onSecrets?.(early);
          return await mapErrors(file, () => readEntries(pass, consume, early === undefined ? onSecrets : undefined));
        } finally {
          await close();
        }
      },
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Reads and checks the whole backup file; see the module comment. */
export async function readArchive(file: string, opts: ReadOptions): Promise<ReadResult> {
  const archive = await openArchive(file, opts);
  try {
    await opts.onManifest?.(archive.manifest);
    return await archive.rest(opts.consume);
  } finally {
    await archive.close();
  }
}

async function mapErrors<T>(file: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof TarFormatError) throw damaged(e.message);
    if (isEngawaError(e) || (e as NodeJS.ErrnoException).code === undefined) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new EngawaError('NOT_FOUND', `There is no backup file at ${file}.`, { path: file });
    throw e;
  }
}

async function readManifest(tar: TarReader): Promise<Manifest> {
  const first = await tar.next();
  if (!first || first.name !== 'manifest.json' || !isRegular(first)) {
    throw new EngawaError('INVALID_INPUT', 'This file is not an Engawa backup (it has no manifest first).', { reason: 'format' });
  }
  if (first.size > MAX_SMALL) {
    // Engawa's are a few KB (at most 1000 parts): a larger one would only cost memory and time
    throw new EngawaError('INVALID_INPUT', `This backup's description is far too large (${first.size} bytes; Engawa's are at most ${MAX_SMALL}).`, {
      reason: 'format',
    });
  }
  return checkManifest((await readAll(tar.body(), MAX_SMALL)).toString('utf8'));
}

/** One pass's state: what the manifest lists, what was seen, the secrets once read, a header read ahead. */
interface Pass {
  tar: TarReader;
  manifest: Manifest;
  listed: Map<string, ManifestEntry>;
  seen: Set<string>;
  secrets?: Record<string, string>;
  /** the header after the manifest, when it was read ahead and is not the secrets' (null: the end) */
  ahead: TarHeader | null | undefined;
}

async function readEntries(
  pass: Pass,
  consume: ReadOptions['consume'],
  onSecrets?: (secrets: Record<string, string>) => void | Promise<void>,
): Promise<ReadResult> {
  const { tar, manifest } = pass;
  const first = pass.ahead !== undefined ? pass.ahead : await tar.next();
  for (let h = first; h !== null; h = await tar.next()) {
    await readEntry(pass, h, consume);
    if (pass.listed.get(h.name)?.kind === 'secrets') await onSecrets?.(pass.secrets as Record<string, string>); // checked, as they end
  }
  if (!(await tar.trailingDataIsZero())) throw damaged('there is data after its end');
  const missing = manifest.entries.filter((e) => !pass.seen.has(e.path)).map((e) => e.path);
  if (missing.length > 0) throw damaged(`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`);
  if (!pass.secrets) throw damaged('the secrets are missing');
  return { manifest, secrets: pass.secrets };
}

/** Reads the entry `h` begins, handing its data to `consume` as it streams; refuses it unless it matches its manifest entry. */
async function readEntry(pass: Pass, h: TarHeader, consume: ReadOptions['consume']): Promise<void> {
  const entry = pass.listed.get(h.name);
  const unsafe = unsafeEntry(h);
  if (unsafe) throw refused(`it contains ${unsafe}`);
  if (!entry || !isRegular(h)) throw refused(`it contains "${h.name}", which its description does not list`);
  if (pass.seen.has(h.name)) throw refused(`it contains "${h.name}" twice`);
  // before a byte of it is read: a part larger than its description says is never written anywhere
  if (h.size !== entry.size) throw damaged(`${entry.path} does not have the size its description gives`);
  pass.seen.add(h.name);
  const hash = createHash('sha256');
  let size = 0;
  const data = (async function* () {
    for await (const chunk of pass.tar.body()) {
      hash.update(chunk);
      size += chunk.length;
      yield chunk;
    }
  })();
  let secrets: Record<string, string> | undefined;
  if (entry.kind === 'secrets') secrets = parseSecrets(await readAll(data, MAX_SMALL));
  else if (consume && entry.kind === 'volume') await consumeChecked(entry, data, consume);
  else if (consume) await consume(entry, data);
  else if (entry.kind === 'volume') await checkInnerTar(entry, data);
  for await (const _ of data); // whatever the consumer left
  for await (const _ of pass.tar.body()); // a consumer that stopped early left data: the size check catches it
  if (size !== entry.size || hash.digest('hex') !== entry.sha256) throw damaged(`${entry.path} does not match its checksum`);
  if (secrets) pass.secrets = secrets;
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
 * Hands a volume's data to `consume` while the same bytes go through the inner-tar checks, in
 * step: a chunk goes on to `consume` only once the checker has read every header it completes, so
 * no entry reaches a volume before it is judged (a header cut across two chunks is only whole in
 * the second, which waits). What `consume` wrote only lands in new volumes, dropped when anything fails.
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
    const first = failure; // the checker's refusal, when it is what stopped the consumer
    feed.end();
    await checking;
    throw first ?? e;
  }
  feed.end();
  await checking;
  if (failure !== undefined) throw failure;
}

/** A one-slot handoff of chunks to one async reader: `push` resolves once the reader asks for the next one (or stops). */
class ChunkFeed implements AsyncIterable<Buffer> {
  private slot: Buffer | undefined;
  private ended = false;
  private closed = false;
  private wake: (() => void) | undefined;
  private processed: (() => void) | undefined;

  push(chunk: Buffer): Promise<void> {
    if (this.closed) return Promise.resolve(); // the reader stopped (it failed, or the tar ended)
    return new Promise((resolve) => {
      this.slot = chunk;
      this.processed = resolve;
      this.wake?.();
    });
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.slot = undefined;
    const done = this.processed;
    this.processed = undefined;
    done?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    for (;;) {
      while (this.slot === undefined && !this.ended) await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
      const chunk = this.slot;
      if (chunk === undefined) return;
      this.slot = undefined;
      yield chunk;
      // asked for the next chunk: every header this one completes has been checked
      const done = this.processed;
      this.processed = undefined;
      done?.();
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

/**
 * Passphrase encryption in the standard age v1 format (https://age-encryption.org/v1), so the
 * `age` tool opens Engawa's backups too (`age -d backup.engawa.age`).
 *
 * The npm library `age-encryption` writes and checks the header (its text format and HMAC);
 * two parts run on Node's native crypto instead, for measured reasons:
 * - the scrypt stanza (a `Recipient` / `Identity` plugged into the library): the library's scrypt
 *   is JavaScript and its `setPassphrase` keeps the file key to itself, so getting the key for our
 *   own payload would cost a second scrypt of ~1 s and another 256 MiB buffer;
 * - the payload (age's STREAM: 64 KiB chunks of ChaCha20-Poly1305, nonce = 11-byte counter + a
 *   last-chunk flag): the library's JavaScript cipher runs at ~200 MB/s, OpenSSL's at ~2.5 GB/s.
 *
 * `AgeWriter` encrypts into a file with positional writes, which lets the archive reserve plaintext
 * that is only known later (the manifest, tar headers whose size comes at the end of an entry):
 * a chunk that overlaps an unfilled reservation is kept in memory (64 KiB) and sealed once filled.
 * Every chunk is sealed exactly once, so no nonce is ever used for two plaintexts.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, scrypt as scryptCb, type BinaryLike, type ScryptOptions } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Decrypter, Encrypter, Stanza, type Identity, type Recipient } from 'age-encryption';
import { EngawaError, isEngawaError } from '../util/errors';
import { ByteQueue } from '../util/byte-queue';

/** Plaintext bytes per STREAM chunk, and the tag each sealed chunk adds. */
export const CHUNK = 64 * 1024;
const TAG = 16;
const SEALED = CHUNK + TAG;
/** age's default scrypt work factor (log2 N). */
export const DEFAULT_WORK_FACTOR = 18;
/**
 * The highest work factor accepted when decrypting, checked before any key derivation: a file
 * chooses its own, so a hostile one could ask for minutes of CPU and gigabytes of memory (logN 22:
 * 4 GiB, ~40 s) before "wrong passphrase". Engawa writes 18 (age's default); the age tool, which
 * tunes itself to about a second, stays well below 20 on today's computers.
 */
export const MAX_WORK_FACTOR = 20;
const SCRYPT_LABEL = 'age-encryption.org/v1/scrypt';
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64').replace(/=+$/, '');

function scrypt(password: BinaryLike, salt: BinaryLike, logN: number): Promise<Buffer> {
  const N = 2 ** logN;
  const opts: ScryptOptions = { N, r: 8, p: 1, maxmem: 128 * N * 8 + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCb(password, salt, 32, opts, (e, key) => (e ? reject(e) : resolve(key))));
}

/** ChaCha20-Poly1305 with an all-zero nonce, as age wraps file keys. */
function wrapKey(key: Uint8Array, fileKey: Uint8Array): Buffer {
  const c = createCipheriv('chacha20-poly1305', key, Buffer.alloc(12), { authTagLength: TAG });
  return Buffer.concat([c.update(fileKey), c.final(), c.getAuthTag()]);
}

function unwrapKey(key: Uint8Array, body: Uint8Array): Buffer | null {
  if (body.length !== 16 + TAG) return null;
  const d = createDecipheriv('chacha20-poly1305', key, Buffer.alloc(12), { authTagLength: TAG });
  d.setAuthTag(body.subarray(16));
  try {
    return Buffer.concat([d.update(body.subarray(0, 16)), d.final()]);
  } catch {
    return null; // another passphrase
  }
}

/** The age scrypt recipient, with Node's scrypt. */
class ScryptRecipient implements Recipient {
  constructor(
    private readonly passphrase: string,
    private readonly logN: number,
    private readonly onFileKey: (k: Uint8Array) => void,
  ) {}
  async wrapFileKey(fileKey: Uint8Array): Promise<Stanza[]> {
    this.onFileKey(fileKey);
    const salt = randomBytes(16);
    const key = await scrypt(this.passphrase, Buffer.concat([Buffer.from(SCRYPT_LABEL), salt]), this.logN);
    return [new Stanza(['scrypt', b64(salt), String(this.logN)], wrapKey(key, fileKey))];
  }
}

/** The age scrypt identity, with Node's scrypt. */
class ScryptIdentity implements Identity {
  constructor(private readonly passphrase: string) {}
  async unwrapFileKey(stanzas: Stanza[]): Promise<Uint8Array | null> {
    const s = stanzas.find((x) => x.args[0] === 'scrypt');
    if (!s) return null;
    if (stanzas.length !== 1) throw new Error('an scrypt stanza must be alone');
    const [, saltB64, logNText] = s.args;
    const logN = Number(logNText);
    if (!saltB64 || !/^[1-9][0-9]?$/.test(logNText ?? '')) throw new Error('bad scrypt stanza');
    if (logN > MAX_WORK_FACTOR) {
      throw new EngawaError(
        'INVALID_INPUT',
        `This file asks for too much work to open (scrypt work factor ${logN}; Engawa opens up to ${MAX_WORK_FACTOR}). Engawa did not make it; if you made it with the age tool, decrypt it there.`,
        { reason: 'work-factor', workFactor: logN, max: MAX_WORK_FACTOR },
      );
    }
    const salt = Buffer.from(saltB64, 'base64');
    if (salt.length !== 16) throw new Error('bad scrypt salt');
    const key = await scrypt(this.passphrase, Buffer.concat([Buffer.from(SCRYPT_LABEL), salt]), logN);
    return unwrapKey(key, s.body);
  }
}

function nonceOf(index: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64BE(BigInt(index), 3);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

function seal(key: Buffer, index: number, last: boolean, plain: Uint8Array): Buffer {
  const c = createCipheriv('chacha20-poly1305', key, nonceOf(index, last), { authTagLength: TAG });
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

function open(key: Buffer, index: number, last: boolean, sealed: Uint8Array): Buffer {
  const d = createDecipheriv('chacha20-poly1305', key, nonceOf(index, last), { authTagLength: TAG });
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    const plain = d.update(sealed.subarray(0, sealed.length - TAG));
    const rest = d.final(); // empty for a stream cipher: no copy of every chunk for nothing
    return rest.length === 0 ? plain : Buffer.concat([plain, rest]);
  } catch {
    throw damaged('a part of it does not match its checksum');
  }
}

function payloadKey(fileKey: Uint8Array, nonce: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
}

/** INVALID_INPUT for a file that is not a complete, unmodified backup. */
export function damaged(why: string): EngawaError {
  return new EngawaError('INVALID_INPUT', `The backup file is damaged or incomplete (${why}); use another copy of it.`, { reason: 'damaged' });
}

/** Encrypts plaintext written in order into a file, with reservable regions (see the module comment). */
export class AgeWriter {
  private buf = Buffer.alloc(CHUNK);
  private used = 0;
  /** index of the chunk in `buf` */
  private index = 0;
  /** plaintext bytes written so far */
  private length = 0;
  /** open reservations: [start, end) in plaintext offsets */
  private readonly holds = new Map<number, number>();
  /** full chunks that overlap an open reservation, by index */
  private readonly held = new Map<number, Buffer>();

  private constructor(
    private readonly file: FileHandle,
    private readonly key: Buffer,
    private readonly dataStart: number,
  ) {}

  /** Writes the age header and nonce at the start of `file`. */
  static async create(file: FileHandle, passphrase: string, workFactor = DEFAULT_WORK_FACTOR): Promise<AgeWriter> {
    let fileKey: Uint8Array | undefined;
    const enc = new Encrypter();
    enc.addRecipient(new ScryptRecipient(passphrase, workFactor, (k) => (fileKey = k)));
    const empty = await enc.encrypt(new Uint8Array(0));
    const header = empty.subarray(0, headerEnd(empty));
    if (!fileKey || header.length === 0) throw new EngawaError('INTERNAL', 'Could not start the encryption of the backup.');
    const nonce = randomBytes(16);
    await file.write(Buffer.concat([header, nonce]), 0, header.length + 16, 0);
    return new AgeWriter(file, payloadKey(fileKey, nonce), header.length + 16);
  }

  /** Plaintext bytes written so far (the offset the next byte gets). */
  get position(): number {
    return this.length;
  }

  /** Marks [offset, offset+size) as to be filled later by `fill`; it must not be sealed yet. */
  reserve(offset: number, size: number): void {
    if (Math.floor(offset / CHUNK) < this.index) throw new EngawaError('INTERNAL', 'A backup region was reserved too late.');
    this.holds.set(offset, offset + size);
  }

  /** Replaces the reserved region starting at `offset` with `bytes` and releases it. */
  async fill(offset: number, bytes: Uint8Array): Promise<void> {
    if (this.holds.get(offset) !== offset + bytes.length) throw new EngawaError('INTERNAL', 'A backup region was filled with the wrong size.');
    this.holds.delete(offset);
    for (let done = 0; done < bytes.length;) {
      const at = offset + done;
      const i = Math.floor(at / CHUNK);
      const within = at % CHUNK;
      const n = Math.min(CHUNK - within, bytes.length - done);
      const target = i === this.index ? this.buf : this.held.get(i);
      if (!target) throw new EngawaError('INTERNAL', 'A reserved backup region was sealed early.');
      target.set(bytes.subarray(done, done + n), within);
      done += n;
    }
    for (const [i, plain] of [...this.held]) {
      if (!this.overlapsHold(i)) {
        this.held.delete(i);
        await this.writeSealed(i, seal(this.key, i, false, plain));
      }
    }
  }

  /** Appends plaintext. */
  async write(data: Uint8Array): Promise<void> {
    let rest = data;
    while (rest.length > 0) {
      if (this.used === CHUNK) await this.sealCurrent();
      const n = Math.min(CHUNK - this.used, rest.length);
      this.buf.set(rest.subarray(0, n), this.used);
      this.used += n;
      this.length += n;
      rest = rest.subarray(n);
    }
  }

  /** Seals the last chunk; every reservation must be filled. Returns the file's size. */
  async finish(): Promise<number> {
    if (this.holds.size > 0 || this.held.size > 0) throw new EngawaError('INTERNAL', 'The backup was finished with parts still missing.');
    await this.writeSealed(this.index, seal(this.key, this.index, true, this.buf.subarray(0, this.used)));
    return this.dataStart + this.index * SEALED + this.used + TAG;
  }

  private overlapsHold(i: number): boolean {
    const start = i * CHUNK;
    const end = start + CHUNK;
    for (const [a, b] of this.holds) if (a < end && b > start) return true;
    return false;
  }

  private async sealCurrent(): Promise<void> {
    const i = this.index;
    if (this.overlapsHold(i)) this.held.set(i, this.buf);
    else await this.writeSealed(i, seal(this.key, i, false, this.buf));
    if (this.held.get(i) === this.buf) this.buf = Buffer.alloc(CHUNK);
    this.index++;
    this.used = 0;
  }

  private async writeSealed(i: number, sealed: Buffer): Promise<void> {
    await this.file.write(sealed, 0, sealed.length, this.dataStart + i * SEALED);
  }
}

/** The offset just past the header's `--- <mac>` line, or 0 when `bytes` holds no complete header. */
function headerEnd(bytes: Uint8Array): number {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  const mac = text.startsWith('--- ') ? 0 : text.indexOf('\n--- ');
  if (mac < 0) return 0;
  const nl = text.indexOf('\n', mac + 1);
  return nl < 0 ? 0 : nl + 1;
}

/** Largest header we accept (a passphrase file has one short stanza). */
const MAX_HEADER = 16 * 1024;

/**
 * Decrypts an age file read as a sequence of buffers, yielding plaintext in order. A wrong
 * passphrase, a file that is not age, a damaged or truncated file each throw INVALID_INPUT
 * (details.reason 'passphrase', 'format' or 'damaged'); nothing is yielded from a damaged chunk.
 */
export async function* decryptAge(source: AsyncIterable<Buffer>, passphrase: string): AsyncGenerator<Buffer> {
  const queue = new ByteQueue();
  const it = source[Symbol.asyncIterator]();
  let ended = false;
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const r = await it.next();
    if (r.done) {
      ended = true;
      return false;
    }
    queue.push(r.value);
    return true;
  };
  let end = 0;
  while ((end = headerEnd(queue.peek(Math.min(queue.length, MAX_HEADER)))) === 0) {
    if (queue.length >= MAX_HEADER || !(await more())) break;
  }
  const start = queue.peek(Math.min(queue.length, 22)).toString('latin1');
  if (end === 0 || !start.startsWith('age-encryption.org/v1')) {
    throw new EngawaError('INVALID_INPUT', 'This file is not an Engawa backup (it is not an age-encrypted file).', { reason: 'format' });
  }
  const header = queue.take(end);
  const d = new Decrypter();
  d.addIdentity(new ScryptIdentity(passphrase));
  let fileKey: Uint8Array;
  try {
    fileKey = await d.decryptHeader(header);
  } catch (e) {
    if (isEngawaError(e)) throw e;
    const message = (e as Error).message;
    if (/no identity matched/.test(message)) {
      throw new EngawaError('INVALID_INPUT', 'The passphrase is wrong for this backup.', { reason: 'passphrase' });
    }
    throw damaged(`its header is not valid: ${message}`);
  }
  while (queue.length < 16 && (await more()));
  if (queue.length < 16) throw damaged('it ends right after its header');
  const key = payloadKey(fileKey, queue.take(16));
  for (let index = 0; ; index++) {
    // a chunk is the last one only when nothing follows it, so keep one byte of lookahead
    while (queue.length <= SEALED && (await more()));
    if (queue.length > SEALED) {
      yield open(key, index, false, queue.take(SEALED));
      continue;
    }
    if (queue.length < TAG) throw damaged('it is cut short');
    const last = open(key, index, true, queue.take(queue.length));
    if (last.length === 0 && index > 0) throw damaged('it ends with an empty part');
    yield last;
    return;
  }
}

/**
 * Reading tar for backups: a pull reader that walks any tar stream (ustar, GNU and PAX extensions
 * as Docker and GNU tar write them) without buffering entry data, plus the safety rules every tar
 * in a backup must follow: per entry (`unsafeEntry`) and over the whole archive (`InnerTarGuard`).
 */
import path from 'node:path';
import { ByteQueue } from '../util/byte-queue';
import { BLOCK, padding } from '../util/tar-write';

/** One entry as the reader sees it (PAX and GNU long names already applied). */
export interface TarHeader {
  name: string;
  /** '0' regular, '5' directory, '2' symlink, '1' hard link, '3'/'4' devices, '6' fifo … */
  type: string;
  size: number;
  linkName: string;
  mode: number;
  uid: number;
  gid: number;
  /** a sparse file (GNU type 'S' or PAX GNU.sparse.* records): its holes would be written out in full */
  sparse: boolean;
}

/** A tar stream that is not readable as tar. */
export class TarFormatError extends Error {}

function cString(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const z = s.indexOf(0);
  return s.subarray(0, z < 0 ? s.length : z).toString('utf8');
}

function numeric(b: Buffer, start: number, len: number): number {
  if ((b[start] as number) & 0x80) {
    let v = 0n;
    for (let i = start + 1; i < start + len; i++) v = (v << 8n) | BigInt(b[i] as number);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new TarFormatError('a number is too large');
    return Number(v);
  }
  const text = cString(b, start, len).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError('a header field is not a number');
  return parseInt(text, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] as number);
  return numeric(h, 148, 8) === sum;
}

/** PAX records `len key=value\n` → map. */
function paxRecords(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let off = 0;
  while (off < data.length) {
    const space = data.indexOf(0x20, off);
    if (space < 0) break;
    const len = Number(data.toString('ascii', off, space));
    if (!Number.isInteger(len) || len <= 0 || off + len > data.length) throw new TarFormatError('a PAX header is malformed');
    const record = data.toString('utf8', space + 1, off + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    off += len;
  }
  return out;
}

/** Largest metadata entry (PAX header, GNU long name) we read into memory. */
const MAX_META = 1024 * 1024;

/**
 * Reads a tar stream entry by entry: `next()` gives the next header (null at the end), `body()`
 * the current entry's data in chunks. Each entry's body must be read (or skipped) before `next()`.
 */
export class TarReader {
  private readonly queue = new ByteQueue();
  private readonly it: AsyncIterator<Buffer>;
  private ended = false;
  /** data bytes (plus padding) of the current entry not read yet */
  private remaining = 0;
  private pad = 0;

  constructor(source: AsyncIterable<Buffer>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async fill(n: number): Promise<boolean> {
    while (this.queue.length < n) {
      if (this.ended) return false;
      const r = await this.it.next();
      if (r.done) this.ended = true;
      else this.queue.push(r.value);
    }
    return true;
  }

  private async exact(n: number): Promise<Buffer> {
    if (!(await this.fill(n))) throw new TarFormatError('the tar stream is cut short');
    return this.queue.take(n);
  }

  /** The next entry's header, or null at the end of the archive. */
  async next(): Promise<TarHeader | null> {
    await this.skipBody();
    const pax = new Map<string, string>();
    let longName: string | undefined;
    let longLink: string | undefined;
    for (;;) {
      if (!(await this.fill(BLOCK))) {
        if (this.queue.length === 0) return null; // some writers omit the end blocks
        throw new TarFormatError('the tar stream is cut short');
      }
      const h = this.queue.take(BLOCK);
      if (h.every((b) => b === 0)) return null;
      if (!checksumOk(h)) throw new TarFormatError('a tar header is damaged');
      const type = String.fromCharCode(h[156] || 0x30);
      const size = numeric(h, 124, 12);
      if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
        if (size > MAX_META) throw new TarFormatError('a tar metadata entry is too large');
        const data = await this.exact(size);
        await this.exact(padding(size).length);
        if (type === 'x') for (const [k, v] of paxRecords(data)) pax.set(k, v);
        if (type === 'L') longName = cString(data, 0, data.length);
        if (type === 'K') longLink = cString(data, 0, data.length);
        continue;
      }
      const prefix = cString(h, 345, 155);
      const base = cString(h, 0, 100);
      const header: TarHeader = {
        name: pax.get('path') ?? longName ?? (prefix ? `${prefix}/${base}` : base),
        type,
        size: pax.has('size') ? Number(pax.get('size')) : size,
        linkName: pax.get('linkpath') ?? longLink ?? cString(h, 157, 100),
        mode: numeric(h, 100, 8),
        uid: numeric(h, 108, 8),
        gid: numeric(h, 116, 8),
        sparse: type === 'S' || [...pax.keys()].some((k) => k.startsWith('GNU.sparse.')),
      };
      if (!Number.isSafeInteger(header.size) || header.size < 0) throw new TarFormatError('a tar entry has an invalid size');
      // only regular files carry data (a hard link's size field is ignored by tar, like here)
      const carries = type === '0' || type === '7' || type === '\0';
      this.remaining = carries ? header.size : 0;
      this.pad = carries ? padding(header.size).length : 0;
      if (!carries && type !== '1' && header.size > 0) {
        this.remaining = header.size;
        this.pad = padding(header.size).length;
      }
      return header;
    }
  }

  /** The current entry's data, in the chunks it arrives in. */
  async *body(): AsyncGenerator<Buffer> {
    while (this.remaining > 0) {
      if (this.queue.length === 0 && !(await this.fill(1))) throw new TarFormatError('the tar stream is cut short');
      const n = Math.min(this.remaining, this.queue.length);
      this.remaining -= n;
      yield this.queue.take(n);
    }
    await this.exact(this.pad);
    this.pad = 0;
  }

  private async skipBody(): Promise<void> {
    for await (const _ of this.body());
  }

  /** What follows the end of the archive (a well-formed archive has only zero blocks). */
  async trailingDataIsZero(): Promise<boolean> {
    for (;;) {
      if (this.queue.length === 0 && !(await this.fill(1))) return true;
      const chunk = this.queue.take(this.queue.length);
      if (!chunk.every((b) => b === 0)) return false;
    }
  }
}

/** Why an entry of a tar inside a backup may not be restored, or null when it may. */
export function unsafeEntry(h: TarHeader): string | null {
  const name = h.name;
  if (name === '' || name.includes('\0')) return 'an entry without a proper name';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.includes('\\')) return `an absolute path (${name})`;
  if (name.split('/').includes('..')) return `a path that climbs out with ".." (${name})`;
  switch (h.type) {
    case '0':
    case '\0':
    case '7':
    case '5':
      return null;
    case '2': {
      // a symbolic link must stay inside the volume: relative, and not climbing above its root
      if (h.linkName.startsWith('/')) return `a link to an absolute path (${name} → ${h.linkName})`;
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(name), h.linkName));
      if (resolved === '..' || resolved.startsWith('../')) return `a link that points outside (${name} → ${h.linkName})`;
      return null;
    }
    case '1':
      if (h.linkName.startsWith('/') || h.linkName.split('/').includes('..')) return `a hard link that points outside (${name} → ${h.linkName})`;
      return null;
    case '3':
    case '4':
      return `a device file (${name})`;
    case '6':
      return `a named pipe (${name})`;
    case 'S':
      return `a sparse file (${name})`; // GNU's old format: its holes would be written out in full
    default:
      return `an entry of unknown type "${h.type}" (${name})`;
  }
}

/** Longest path (bytes) and path component an inner tar may hold, as Linux allows. */
const MAX_PATH_BYTES = 4096;
const MAX_NAME_BYTES = 255;
/** Symbolic links followed while resolving one path before it counts as a loop (Linux's ELOOP bound). */
const MAX_LINK_HOPS = 40;

/**
 * The checks on a volume's tar that need the whole archive so far, not one entry alone: every
 * path is resolved through the symbolic links seen before it (so `d → .`, then `d/e → ..`, then
 * `d/e/x` is caught at `d/e`, which points outside), hard links must point at a regular file
 * already in the archive, no file may be setuid, setgid or sticky (a directory not setuid), sparse, larger than the tar
 * itself (`maxBytes`, the size its manifest entry records), and the counts and name lengths are
 * bounded. `check` answers why an entry must not be restored, or null.
 */
export class InnerTarGuard {
  /** resolved path of each symbolic link → its resolved target (both relative to the volume root) */
  private readonly links = new Map<string, string>();
  private readonly files = new Set<string>();
  private entries = 0;

  constructor(private readonly limits: { maxBytes: number; maxEntries: number }) {}

  check(h: TarHeader): string | null {
    const lexical = unsafeEntry(h);
    if (lexical !== null) return lexical;
    if (++this.entries > this.limits.maxEntries) return `more than ${this.limits.maxEntries} entries`;
    if (Buffer.byteLength(h.name) > MAX_PATH_BYTES || h.name.split('/').some((c) => Buffer.byteLength(c) > MAX_NAME_BYTES)) return 'a name that is too long';
    // setgid and sticky directories are ordinary (shared group folders, /tmp-like folders) and run nothing
    if (h.mode & (h.type === '5' ? 0o4000 : 0o7000)) return `a setuid, setgid or sticky file (${h.name}, mode ${(h.mode & 0o7777).toString(8)})`;
    if (h.sparse) return `a sparse file (${h.name})`;
    if (h.size > this.limits.maxBytes) return `an entry larger than the whole storage (${h.name})`;
    const parent = this.resolve(path.posix.dirname(h.name));
    if (parent === null) return `a path that leads outside through a link (${h.name})`;
    const here = join(parent, path.posix.basename(h.name));
    if (h.type === '2') {
      const target = this.resolve(join(parent, h.linkName));
      if (target === null) return `a link that points outside (${h.name} → ${h.linkName})`;
      this.links.set(here, target);
      this.files.delete(here);
      return null;
    }
    this.links.delete(here); // a file or directory put where a link was replaces the link
    if (h.type === '1') {
      const target = this.resolve(h.linkName);
      if (target === null || !this.files.has(target)) return `a hard link to something that is not a file of this archive (${h.name} → ${h.linkName})`;
    }
    if (h.type !== '5') this.files.add(here);
    return null;
  }

  /** `p` (relative to the root) with every known link followed; null when it leaves the root or loops. */
  private resolve(p: string): string | null {
    const pending = p.split('/');
    const out: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift() as string;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (out.length === 0) return null;
        out.pop();
        continue;
      }
      out.push(part);
      const target = this.links.get(out.join('/'));
      if (target === undefined) continue;
      if (++hops > MAX_LINK_HOPS) return null;
      out.length = 0;
      pending.unshift(...target.split('/'));
    }
    return out.join('/');
  }
}

function join(dir: string, name: string): string {
  return dir === '' || dir === '.' ? name : `${dir}/${name}`;
}

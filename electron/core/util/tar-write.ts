/**
 * Writing tar, once for everyone: ustar headers for regular files (octal sizes, base-256 from
 * 8 GiB on), block padding, and a tiny in-memory archive builder. The engine uses it for the few
 * small files put into containers before they first start (`putArchive`); backups use the headers
 * for their own entries, whose size may be known only after their data (see backup/age.ts).
 */

export const BLOCK = 512;

/** One regular file of an in-memory archive. `path` is relative to the extraction root (no leading '/'). */
export interface TarEntry {
  path: string;
  content: string | Buffer;
  mode: number;
  uid: number;
  gid: number;
  /** seconds since epoch; default now */
  mtime?: number;
}

/** Splits a path into ustar `prefix` (≤155 bytes) and `name` (≤100 bytes) at a '/'. */
export function splitUstarPath(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') return { prefix, name };
  }
  throw new Error(`path too long for a tar header: ${path}`);
}

/** `value` in octal, zero-padded, in a field of `width` bytes that ends with NUL. */
function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** A ustar header of a regular file, its path as given. */
export function regularFileHeader(file: { path: string; size: number; mode: number; uid: number; gid: number; mtime: number }): Buffer {
  const h = Buffer.alloc(BLOCK);
  const { prefix, name } = splitUstarPath(file.path);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(file.mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(file.uid, 8), 108, 'ascii');
  h.write(octal(file.gid, 8), 116, 'ascii');
  if (file.size < 8 ** 11) h.write(octal(file.size, 12), 124, 'ascii');
  else {
    h[124] = 0x80; // base-256 (GNU): sizes from 8 GiB on
    h.writeBigUInt64BE(BigInt(file.size), 128);
  }
  h.write(octal(Math.floor(file.mtime), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum field counts as spaces while summing
  h.write('0', 156, 'ascii'); // regular file
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/** A backup's own entry: mode 0600, owner root. */
export function fileHeader(name: string, size: number, mtime: number): Buffer {
  return regularFileHeader({ path: name, size, mode: 0o600, uid: 0, gid: 0, mtime });
}

/** Zero bytes that pad `size` bytes of data to a whole block. */
export function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** Builds a complete tar archive (with the two terminating zero blocks) from `entries`. */
export function tarFiles(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const body = typeof entry.content === 'string' ? Buffer.from(entry.content, 'utf8') : entry.content;
    const mtime = entry.mtime ?? Date.now() / 1000;
    parts.push(
      regularFileHeader({ path: entry.path.replace(/^\/+/, ''), size: body.length, mode: entry.mode, uid: entry.uid, gid: entry.gid, mtime }),
      body,
      padding(body.length),
    );
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/**
 * Tars made by hand for the tests of hostile archives: any entry type, link target, mode and size,
 * PAX records, with valid header checksums, so only the rule under test can refuse them.
 */
import { padding, regularFileHeader } from '../../../electron/core/util/tar-write';

/** A tar header of any type (the checksum fixed after the type, link and mode are set). */
export function header(name: string, o: { type?: string; link?: string; mode?: number; size?: number } = {}): Buffer {
  const h = regularFileHeader({ path: name, size: o.size ?? 0, mode: o.mode ?? 0o644, uid: 0, gid: 0, mtime: 0 });
  h.write(o.type ?? '0', 156, 'ascii');
  if (o.link !== undefined) h.write(o.link, 157, 100, 'utf8');
  h.write('        ', 148, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return h;
}

/** A PAX extended header carrying `records`. */
export function pax(records: Record<string, string>): Buffer {
  const body = Object.entries(records)
    .map(([k, v]) => {
      const text = ` ${k}=${v}\n`;
      let len = text.length + 1;
      while (String(len).length + text.length !== len) len = String(len).length + text.length;
      return `${len}${text}`;
    })
    .join('');
  const data = Buffer.from(body);
  return Buffer.concat([header('PaxHeaders/x', { type: 'x', size: data.length }), data, padding(data.length)]);
}

/** A regular file entry with its data. */
export const file = (name: string, content: Buffer | string, mode = 0o644): Buffer => {
  const data = Buffer.from(content);
  return Buffer.concat([header(name, { size: data.length, mode }), data, padding(data.length)]);
};

/** The entries, then the two zero blocks that end a tar. */
export const tar = (...parts: Buffer[]): Buffer => Buffer.concat([...parts, Buffer.alloc(1024)]);

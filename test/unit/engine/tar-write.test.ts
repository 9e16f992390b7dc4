import { describe, expect, it } from 'vitest';
import { splitUstarPath, tarFiles } from '../../../electron/core/util/tar-write';

/** Reads back the entries of a ustar archive, checking each header's checksum. */
function readTar(buf: Buffer): { path: string; mode: number; uid: number; gid: number; content: string; type: string }[] {
  const out = [];
  let off = 0;
  for (;;) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a: number, n: number): string =>
      h
        .subarray(a, a + n)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const num = (a: number, n: number): number => parseInt(str(a, n).trim(), 8);
    let sum = 0;
    h.forEach((b, i) => (sum += i >= 148 && i < 156 ? 32 : b));
    expect(num(148, 8)).toBe(sum);
    expect(str(257, 6)).toBe('ustar');
    const size = num(124, 12);
    const prefix = str(345, 155);
    out.push({
      path: prefix ? `${prefix}/${str(0, 100)}` : str(0, 100),
      mode: num(100, 8),
      uid: num(108, 8),
      gid: num(116, 8),
      type: str(156, 1),
      content: buf.subarray(off + 512, off + 512 + size).toString('utf8'),
    });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  expect(buf.length % 512).toBe(0);
  expect(buf.subarray(off).length).toBeGreaterThanOrEqual(1024);
  return out;
}

describe('tarFiles', () => {
  it('writes regular files with their mode, owner and content', () => {
    const big = 'x'.repeat(700);
    const tar = tarFiles([
      { path: 'etc/app/config.yml', content: 'url: https://example.com\n', mode: 0o640, uid: 991, gid: 992 },
      { path: '/www/big.txt', content: big, mode: 0o644, uid: 0, gid: 0 },
      { path: 'empty', content: '', mode: 0o600, uid: 1, gid: 2 },
    ]);
    expect(readTar(tar)).toEqual([
      { path: 'etc/app/config.yml', mode: 0o640, uid: 991, gid: 992, type: '0', content: 'url: https://example.com\n' },
      { path: 'www/big.txt', mode: 0o644, uid: 0, gid: 0, type: '0', content: big },
      { path: 'empty', mode: 0o600, uid: 1, gid: 2, type: '0', content: '' },
    ]);
  });

  it('counts content in bytes, not characters', () => {
    const [entry] = readTar(tarFiles([{ path: 'ja.txt', content: '縁側', mode: 0o644, uid: 0, gid: 0 }]));
    expect(entry?.content).toBe('縁側');
  });

  it('uses the ustar prefix for long paths', () => {
    const dir = 'a'.repeat(80);
    const path = `${dir}/${'b'.repeat(60)}/file.txt`;
    expect(splitUstarPath(path)).toEqual({ prefix: `${dir}/${'b'.repeat(60)}`, name: 'file.txt' });
    expect(readTar(tarFiles([{ path, content: 'x', mode: 0o644, uid: 0, gid: 0 }]))[0]?.path).toBe(path);
    expect(() => splitUstarPath('c'.repeat(300))).toThrow(/too long/);
  });
});

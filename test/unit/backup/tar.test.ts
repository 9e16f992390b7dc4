/** The streaming tar reader (on our headers, GNU tar's and PAX long names) and the safety rules. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TarReader, unsafeEntry, type TarHeader } from '../../../electron/core/backup/tar-reader';
import { fileHeader, padding } from '../../../electron/core/util/tar-write';
import { tarFiles } from '../../../electron/core/util/tar-write';

async function* pieces(buf: Buffer, size = 300): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function readAll(buf: Buffer): Promise<{ h: TarHeader; data: string }[]> {
  const r = new TarReader(pieces(buf));
  const out: { h: TarHeader; data: string }[] = [];
  for (let h = await r.next(); h; h = await r.next()) {
    let data = '';
    for await (const c of r.body()) data += c.toString();
    out.push({ h, data });
  }
  return out;
}

const h = (name: string, type = '0', linkName = ''): TarHeader => ({ name, type, linkName, size: 0, mode: 0o644, uid: 0, gid: 0 });

describe('TarReader', () => {
  it('reads entries in pieces of any size, skipping bodies not read', async () => {
    const buf = tarFiles([
      { path: 'a.txt', content: 'hello', mode: 0o644, uid: 991, gid: 991 },
      { path: 'dir/b.txt', content: 'x'.repeat(1000), mode: 0o600, uid: 0, gid: 0 },
    ]);
    const all = await readAll(buf);
    expect(all.map((e) => [e.h.name, e.h.size, e.h.uid, e.data.length])).toEqual([
      ['a.txt', 5, 991, 5],
      ['dir/b.txt', 1000, 0, 1000],
    ]);
    const r = new TarReader(pieces(buf, 7));
    expect((await r.next())?.name).toBe('a.txt');
    expect((await r.next())?.name).toBe('dir/b.txt');
    expect(await r.next()).toBeNull();
  });

  it('reads our own headers, including sizes from 8 GiB on (base-256)', async () => {
    const body = Buffer.from('data');
    const buf = Buffer.concat([fileHeader('x/y.dump', body.length, 0), body, padding(body.length), Buffer.alloc(1024)]);
    expect((await readAll(buf)).map((e) => [e.h.name, e.data])).toEqual([['x/y.dump', 'data']]);
    const big = new TarReader(pieces(fileHeader('big', 9 * 1024 ** 3, 0)));
    expect((await big.next())?.size).toBe(9 * 1024 ** 3);
  });

  it('reads what GNU tar writes: long names (PAX or GNU), links and directories', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'engawa-tar-'));
    try {
      const long = 'd'.repeat(120);
      await mkdir(path.join(dir, 'v', long), { recursive: true });
      await writeFile(path.join(dir, 'v', long, 'f'.repeat(110)), 'long');
      await symlink('f'.repeat(110), path.join(dir, 'v', long, 'link'));
      for (const format of ['posix', 'gnu']) {
        const buf = execFileSync('tar', [`--format=${format}`, '-C', path.join(dir, 'v'), '-cf', '-', '.']);
        const names = (await readAll(buf)).map((e) => [e.h.name.replace(/\/$/, ''), e.h.type, e.h.linkName]);
        expect(names).toEqual(
          expect.arrayContaining([
            [`./${long}`, '5', ''],
            [`./${long}/${'f'.repeat(110)}`, '0', ''],
            [`./${long}/link`, '2', 'f'.repeat(110)],
          ]),
        );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a damaged header and a stream cut short', async () => {
    const buf = tarFiles([{ path: 'a', content: 'x'.repeat(600), mode: 0o644, uid: 0, gid: 0 }]);
    const bad = Buffer.from(buf);
    bad[10] = 0x41;
    await expect(readAll(bad)).rejects.toThrow(/damaged/);
    await expect(readAll(buf.subarray(0, 700))).rejects.toThrow(/cut short/);
  });
});

describe('unsafeEntry', () => {
  it.each([
    [h('./data/file'), null],
    [h('./dir/', '5'), null],
    [h('./a/link', '2', '../b'), null],
    [h('./a/hard', '1', './b'), null],
    [h('/etc/passwd'), /absolute path/],
    [h('C:/x'), /absolute path/],
    [h('../x'), /climbs out/],
    [h('./a/../../x'), /climbs out/],
    [h('./a/link', '2', '/etc/shadow'), /absolute path/],
    [h('./a/link', '2', '../../x'), /points outside/],
    [h('./hard', '1', '../x'), /hard link that points outside/],
    [h('./dev', '3'), /device/],
    [h('./blk', '4'), /device/],
    [h('./fifo', '6'), /named pipe/],
  ])('%o → %s', (header, expected) => {
    const r = unsafeEntry(header);
    if (expected === null) expect(r).toBeNull();
    else expect(r).toMatch(expected);
  });
});

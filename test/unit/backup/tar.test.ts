/** The streaming tar reader (on our headers, GNU tar's and PAX long names) and the safety rules. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InnerTarGuard, TarReader, unsafeEntry, type TarHeader } from '../../../electron/core/backup/tar-reader';
import { fileHeader, padding, regularFileHeader } from '../../../electron/core/util/tar-write';
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

const h = (name: string, type = '0', linkName = '', more: Partial<TarHeader> = {}): TarHeader => ({
  name,
  type,
  linkName,
  size: 0,
  mode: 0o644,
  uid: 0,
  gid: 0,
  sparse: false,
  ...more,
});

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

describe('InnerTarGuard (the whole archive so far)', () => {
  const guard = (maxEntries = 100): InnerTarGuard => new InnerTarGuard({ maxBytes: 1_000_000, maxEntries });
  /** The first refusal of a sequence of entries, or null when all pass. */
  const run = (entries: TarHeader[], g = guard()): string | null => {
    for (const e of entries) {
      const why = g.check(e);
      if (why !== null) return `${e.name}: ${why}`;
    }
    return null;
  };

  it('refuses the link chain d → ., d/e → .., d/e/x at the link that leaves the root', () => {
    expect(run([h('d', '2', '.'), h('d/e', '2', '..'), h('d/e/x')])).toMatch(/^d\/e: a link that points outside/);
  });

  it('refuses a path that goes out through an earlier link, and link loops', () => {
    expect(run([h('a/', '5'), h('a/up', '2', '..'), h('a/up/up2', '2', '..')])).toMatch(/^a\/up\/up2: a link that points outside/);
    expect(run([h('x', '2', 'y'), h('y', '2', 'x'), h('x/f')])).toMatch(/^x\/f: a path that leads outside through a link/);
  });

  it('accepts ordinary trees with links that stay inside', () => {
    expect(
      run([
        h('./', '5'),
        h('./lib/', '5'),
        h('./lib/a.js'),
        h('./bin/', '5'),
        h('./bin/a', '2', '../lib/a.js'),
        h('./cur', '2', 'lib'),
        h('./cur/b.js'),
        h('./hard', '1', './lib/a.js'),
      ]),
    ).toBeNull();
  });

  it('refuses hard links to anything but an earlier regular file of the archive', () => {
    expect(run([h('a', '1', 'etc/passwd')])).toMatch(/hard link to something that is not a file of this archive/);
    expect(run([h('d/', '5'), h('a', '1', 'd')])).toMatch(/hard link/);
    expect(run([h('l', '2', '.'), h('a', '1', 'l')])).toMatch(/hard link/);
  });

  it('refuses setuid, setgid and sticky files, sparse files, oversized entries, floods and long names', () => {
    expect(run([h('s', '0', '', { mode: 0o4755 })])).toMatch(/setuid, setgid or sticky .*mode 4755/);
    expect(run([h('g', '0', '', { mode: 0o2755 })])).toMatch(/setuid, setgid or sticky/);
    expect(run([h('t', '0', '', { mode: 0o1755 })])).toMatch(/setuid, setgid or sticky/);
    expect(run([h('u/', '5', '', { mode: 0o4755 })])).toMatch(/setuid, setgid or sticky/);
    // a shared-group folder and a /tmp-like folder are fine
    expect(run([h('g/', '5', '', { mode: 0o2775 }), h('t/', '5', '', { mode: 0o1777 })])).toBeNull();
    expect(run([h('sp', '0', '', { sparse: true })])).toMatch(/sparse file/);
    expect(run([h('big', '0', '', { size: 1_000_001 })])).toMatch(/larger than the whole storage/);
    expect(run([h('a'), h('b'), h('c')], guard(2))).toMatch(/^c: more than 2 entries/);
    expect(run([h(`${'x'.repeat(256)}`)])).toMatch(/too long/);
  });
});

describe('TarReader marks sparse entries', () => {
  it('from a PAX GNU.sparse record', async () => {
    const record = (k: string, v: string): string => {
      const body = ` ${k}=${v}\n`;
      let len = body.length + 1;
      while (String(len).length + body.length !== len) len = String(len).length + body.length;
      return `${len}${body}`;
    };
    const pax = Buffer.from(record('GNU.sparse.major', '1') + record('GNU.sparse.realsize', String(1024 ** 4)));
    const paxHeader = regularFileHeader({ path: 'PaxHeaders/f', size: pax.length, mode: 0o644, uid: 0, gid: 0, mtime: 0 });
    paxHeader.write('x', 156, 'ascii');
    let sum = 0;
    paxHeader.write('        ', 148, 'ascii');
    for (const b of paxHeader) sum += b;
    paxHeader.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
    const file = regularFileHeader({ path: 'f', size: 3, mode: 0o644, uid: 0, gid: 0, mtime: 0 });
    const tar = Buffer.concat([paxHeader, pax, padding(pax.length), file, Buffer.from('abc'), padding(3), Buffer.alloc(1024)]);
    const reader = new TarReader(
      (async function* () {
        yield tar;
      })(),
    );
    const first = await reader.next();
    expect(first).toMatchObject({ name: 'f', sparse: true });
  });
});

/**
 * The restore's one pass over a backup file (archive-reader.ts `openArchive`): the file opened is
 * the file read, once; a part whose size differs from its description is refused before any of it
 * is handed over; a volume's bytes reach the consumer only after the inner-tar checker judged every
 * header they complete; and every tar rule holds on crafted inner tars read through the whole reader.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openArchive, readArchive } from '../../../electron/core/backup/archive-reader';
import { ArchiveWriter } from '../../../electron/core/backup/archive-writer';
import { isEngawaError } from '../../../electron/core/util/errors';
import { tarFiles } from '../../../electron/core/util/tar-write';
import { entryFor, manifestOf, writeRawArchive } from './raw-archive';
import { file, header, pax, tar } from './crafted-tar';

let dir: string;
beforeEach(async () => void (dir = await mkdtemp(path.join(os.tmpdir(), 'engawa-pass-'))));
afterEach(() => rm(dir, { recursive: true, force: true }));

const PASS = 'pass phrase';
const secrets = Buffer.from(JSON.stringify({ db_password: 'x' }));

async function writeGood(file: string, dump: Buffer, volume: Buffer): Promise<void> {
  const w = await ArchiveWriter.create(file, PASS, { workFactor: 10 });
  await w.add('databases/db.dump', 'postgres', dump, 'db');
  await w.add('volumes/data.tar', 'volume', volume, 'data');
  await w.add('secrets.json', 'secrets', secrets);
  const { entries: _e, ...m } = manifestOf([]);
  await w.commit(m);
}

/** Writes a backup whose only volume is `volume` (listed with `declared` as its size, default its own). */
async function withVolume(volume: Buffer, declared = volume.length): Promise<string> {
  const target = path.join(dir, `v-${randomBytes(4).toString('hex')}.engawa.age`);
  const entries = [{ ...entryFor('volumes/data.tar', 'volume', volume, 'data'), size: declared }, entryFor('secrets.json', 'secrets', secrets)];
  await writeRawArchive(target, PASS, [
    { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifestOf(entries))) },
    { name: 'volumes/data.tar', data: volume },
    { name: 'secrets.json', data: secrets },
  ]);
  return target;
}

async function refusal(read: Promise<unknown>): Promise<{ reason: unknown; message: string }> {
  try {
    await read;
  } catch (e) {
    if (!isEngawaError(e)) throw e;
    return { reason: e.details?.reason, message: e.message };
  }
  throw new Error('the file was accepted');
}

const drain = async (data: AsyncIterable<Buffer>): Promise<number> => {
  let n = 0;
  for await (const c of data) n += c.length;
  return n;
};

describe('one pass over a backup file', () => {
  it('reads the file it opened, once: a file renamed over its path meanwhile changes nothing', async () => {
    const a = path.join(dir, 'a.engawa.age');
    const b = path.join(dir, 'b.engawa.age');
    const volume = tarFiles([{ path: 'x', content: 'x', mode: 0o644, uid: 0, gid: 0 }]);
    await writeGood(a, Buffer.from('dump of A'), volume);
    await writeGood(b, Buffer.from('dump of B, a valid backup too'), volume);
    const archive = await openArchive(a, { passphrase: PASS });
    await rename(b, a);
    const seen: string[] = [];
    await archive.rest(async (entry, data) => {
      const parts: Buffer[] = [];
      for await (const c of data) parts.push(c);
      if (entry.kind === 'postgres') seen.push(Buffer.concat(parts).toString());
    });
    expect(seen).toEqual(['dump of A']);
    await expect(archive.rest()).rejects.toThrow(/read once/);
  });

  it('refuses a part whose size is not its description’s before handing over any of it', async () => {
    const volume = tar(file('big', randomBytes(200_000)));
    const target = await withVolume(volume, 1024);
    let handed = 0;
    const r = await refusal(readArchive(target, { passphrase: PASS, consume: async (_e, data) => void (handed += await drain(data)) }));
    expect(r).toMatchObject({ reason: 'damaged', message: expect.stringMatching(/volumes\/data\.tar does not have the size its description gives/) });
    expect(handed).toBe(0);
  });

  it('hands a volume’s bytes on only after the checker judged every header they complete', async () => {
    const before = file('a', randomBytes(200_000));
    const volume = tar(before, file('s', 'x', 0o4755), file('b', randomBytes(300_000)));
    const target = await withVolume(volume);
    let handed = 0;
    const r = await refusal(
      readArchive(target, {
        passphrase: PASS,
        consume: async (_e, data) => {
          for await (const c of data) handed += c.length;
        },
      }),
    );
    expect(r.message).toMatch(/the storage "data" contains a setuid, setgid or sticky file \(s, mode 4755\)/);
    expect(handed).toBeGreaterThan(0);
    expect(handed).toBeLessThan(before.length + 512); // the chunk that completes the header of s was never handed on
  });

  it('ends when the consumer fails midway, with its error', async () => {
    const target = await withVolume(tar(file('a', randomBytes(500_000))));
    const r = readArchive(target, {
      passphrase: PASS,
      consume: async (_e, data) => {
        for await (const _ of data) throw new Error('the engine went away');
      },
    });
    await expect(r).rejects.toThrow(/the engine went away/);
  });
});

describe('every tar rule, on a crafted inner tar read through the whole reader', () => {
  it.each([
    [
      'the link chain d → ., d/e → .., d/e/x',
      tar(header('d', { type: '2', link: '.' }), header('d/e', { type: '2', link: '..' }), file('d/e/x', 'x')),
      /link that points outside \(d\/e → \.\.\)/,
    ],
    ['an absolute symbolic link', tar(header('l', { type: '2', link: '/etc/shadow' })), /link to an absolute path/],
    ['an absolute hard link', tar(header('h', { type: '1', link: '/etc/passwd' })), /hard link that points outside \(h → \/etc\/passwd\)/],
    ['a ".." hard link', tar(file('a', 'a'), header('h', { type: '1', link: '../a' })), /hard link that points outside \(h → \.\.\/a\)/],
    [
      'a hard link to a file not in the archive',
      tar(header('h', { type: '1', link: 'etc/passwd' })),
      /hard link to something that is not a file of this archive/,
    ],
    [
      'a hard link to a directory',
      tar(header('d/', { type: '5', mode: 0o755 }), header('h', { type: '1', link: 'd' })),
      /hard link to something that is not a file/,
    ],
    ['a setuid file', tar(file('s', 'x', 0o4755)), /setuid, setgid or sticky file \(s, mode 4755\)/],
    ['a setgid file', tar(file('g', 'x', 0o2755)), /setuid, setgid or sticky file \(g, mode 2755\)/],
    ['a sticky file', tar(file('t', 'x', 0o1644)), /setuid, setgid or sticky file \(t, mode 1644\)/],
    ['a setuid directory', tar(header('u/', { type: '5', mode: 0o4755 })), /setuid, setgid or sticky file/],
    ['a character device', tar(header('c', { type: '3' })), /a device file \(c\)/],
    ['a block device', tar(header('b', { type: '4' })), /a device file \(b\)/],
    ['a named pipe', tar(header('p', { type: '6' })), /a named pipe \(p\)/],
    [
      'a PAX sparse entry',
      tar(pax({ 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.realsize': String(1024 ** 4) }), file('f', 'abc')),
      /a sparse file \(f\)/,
    ],
    ['a GNU sparse entry', tar(header('f', { type: 'S' })), /a sparse file \(f\)/],
    ['an entry larger than the storage', tar(pax({ size: String(1024 ** 4) }), header('f', { size: 0 })), /larger than the whole storage \(f\)|cut short/],
    ['a name too long', tar(pax({ path: 'x'.repeat(300) }), file('short', 'x')), /a name that is too long/],
    ['a path that climbs out', tar(file('a/../../x', 'x')), /climbs out/],
  ])('refuses %s', async (_label, volume, message) => {
    const target = await withVolume(volume);
    const r = await refusal(readArchive(target, { passphrase: PASS }));
    expect(r.message).toMatch(message);
    // the restore's pass (a consumer) refuses it the same way
    const again = await refusal(readArchive(target, { passphrase: PASS, consume: async (_e, data) => void (await drain(data)) }));
    expect(again.message).toMatch(message);
  });

  it('accepts an ordinary tree with links and a hard link inside it', async () => {
    const volume = tar(
      header('lib/', { type: '5', mode: 0o755 }),
      file('lib/a.js', 'a'),
      header('cur', { type: '2', link: 'lib' }),
      header('hard', { type: '1', link: 'lib/a.js' }),
      header('shared/', { type: '5', mode: 0o2775 }),
    );
    const target = await withVolume(volume);
    await expect(readArchive(target, { passphrase: PASS })).resolves.toMatchObject({ secrets: { db_password: 'x' } });
  });
});

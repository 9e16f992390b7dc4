/** Writing and reading whole backup files: the manifest first, checksums, and every malformed file refused. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgeWriter } from '../../../electron/core/backup/age';
import { readArchive } from '../../../electron/core/backup/archive-reader';
import { ArchiveWriter, removeStalePartials } from '../../../electron/core/backup/archive-writer';
import type { Manifest } from '../../../electron/core/backup/manifest';
import { fileHeader, padding } from '../../../electron/core/util/tar-write';
import { tarFiles } from '../../../electron/core/util/tar-write';
import { isEngawaError } from '../../../electron/core/util/errors';
import { entryFor, manifestOf, readRawArchive, writeRawArchive } from './raw-archive';

let dir: string;
beforeEach(async () => void (dir = await mkdtemp(path.join(os.tmpdir(), 'engawa-arc-'))));
afterEach(() => rm(dir, { recursive: true, force: true }));

const PASS = 'pass phrase';
const volume = tarFiles([{ path: './data/a', content: 'a', mode: 0o644, uid: 991, gid: 991 }]);
const secrets = Buffer.from(JSON.stringify({ db_password: 'x' }));

async function* chunks(buf: Buffer, size = 10_000): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function writeGood(file: string, dump: Buffer): Promise<Manifest> {
  const w = await ArchiveWriter.create(file, PASS, { workFactor: 10 });
  await w.add('databases/db.dump', 'postgres', chunks(dump), 'db');
  await w.add('volumes/data.tar', 'volume', volume, 'data');
  await w.add('secrets.json', 'secrets', secrets);
  const { entries: _e, ...m } = manifestOf([]);
  return (await w.commit(m)).manifest;
}

async function refusal(file: string): Promise<{ reason: unknown; message: string }> {
  try {
    await readArchive(file, { passphrase: PASS });
  } catch (e) {
    if (!isEngawaError(e)) throw e;
    return { reason: e.details?.reason, message: e.message };
  }
  throw new Error('the file was accepted');
}

describe('backup archives', () => {
  it('round-trips: manifest first with sizes and checksums, entries streamed to the consumer', async () => {
    const file = path.join(dir, 'a.engawa.age');
    const dump = randomBytes(300_000);
    const manifest = await writeGood(file, dump);
    expect(manifest.entries).toEqual([
      entryFor('databases/db.dump', 'postgres', dump, 'db'),
      entryFor('volumes/data.tar', 'volume', volume, 'data'),
      entryFor('secrets.json', 'secrets', secrets),
    ]);
    const raw = await readRawArchive(file, PASS);
    expect(raw.map((e) => e.name)).toEqual(['manifest.json', 'databases/db.dump', 'volumes/data.tar', 'secrets.json']);
    expect(JSON.parse(raw[0]!.data.toString())).toEqual(manifest);
    const seen: Record<string, Buffer> = {};
    const r = await readArchive(file, {
      passphrase: PASS,
      consume: async (entry, data) => {
        const parts: Buffer[] = [];
        for await (const c of data) parts.push(c);
        seen[entry.path] = Buffer.concat(parts);
      },
    });
    expect(r.secrets).toEqual({ db_password: 'x' });
    expect(seen['databases/db.dump']).toEqual(dump);
    expect(seen['volumes/data.tar']).toEqual(volume);
    expect(await readdir(dir)).toEqual(['a.engawa.age']);
  });

  it('leaves no file behind when aborted, and clears partial files of one instance only', async () => {
    const w = await ArchiveWriter.create(path.join(dir, 'x-1.engawa.age'), PASS, { workFactor: 10 });
    await w.add('secrets.json', 'secrets', secrets);
    await w.abort();
    expect(await readdir(dir)).toEqual([]);
    await writeFile(path.join(dir, '.x-2.engawa.age.partial'), '');
    await writeFile(path.join(dir, '.other-2.engawa.age.partial'), '');
    expect(await removeStalePartials(dir, 'x-')).toEqual(['.x-2.engawa.age.partial']);
    expect(await readdir(dir)).toEqual(['.other-2.engawa.age.partial']);
  });

  it('stops at a cancel and removes the partial file', async () => {
    const controller = new AbortController();
    const w = await ArchiveWriter.create(path.join(dir, 'c.engawa.age'), PASS, { workFactor: 10, signal: controller.signal });
    controller.abort();
    await expect(w.add('databases/db.dump', 'postgres', chunks(randomBytes(100)), 'db')).rejects.toThrow(/cancelled/);
    await w.abort();
    expect(await readdir(dir)).toEqual([]);
  });

  describe('refuses', () => {
    const raw = (name: string, data: Buffer) => ({ name, data });
    const m = (entries: Manifest['entries'], over: Partial<Manifest> = {}) => Buffer.from(JSON.stringify(manifestOf(entries, over)));
    const ok = [entryFor('volumes/data.tar', 'volume', volume, 'data'), entryFor('secrets.json', 'secrets', secrets)];

    it.each([
      ['no manifest first', [raw('secrets.json', secrets), raw('manifest.json', m(ok))], 'format'],
      ['a newer format', [raw('manifest.json', m(ok, { formatVersion: 2 })), raw('volumes/data.tar', volume), raw('secrets.json', secrets)], 'newer-format'],
      ['an entry not listed', [raw('manifest.json', m(ok)), raw('volumes/data.tar', volume), raw('extra', secrets), raw('secrets.json', secrets)], 'unsafe'],
      ['an entry listed but missing', [raw('manifest.json', m(ok)), raw('secrets.json', secrets)], 'damaged'],
      [
        'an entry twice',
        [raw('manifest.json', m(ok)), raw('volumes/data.tar', volume), raw('volumes/data.tar', volume), raw('secrets.json', secrets)],
        'unsafe',
      ],
      [
        'a wrong checksum',
        [raw('manifest.json', m([{ ...ok[0]!, sha256: '0'.repeat(64) }, ok[1]!])), raw('volumes/data.tar', volume), raw('secrets.json', secrets)],
        'damaged',
      ],
      ['an absolute path', [raw('manifest.json', m(ok)), raw('/volumes/data.tar', volume), raw('secrets.json', secrets)], 'unsafe'],
      [
        'a device inside a volume',
        (() => {
          const dev = tarFiles([{ path: 'dev', content: '', mode: 0o644, uid: 0, gid: 0 }]);
          dev[156] = '3'.charCodeAt(0);
          let sum = 0;
          dev.write('        ', 148, 'ascii');
          for (let i = 0; i < 512; i++) sum += dev[i]!;
          dev.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
          const e = [entryFor('volumes/data.tar', 'volume', dev, 'data'), ok[1]!];
          return [raw('manifest.json', m(e)), raw('volumes/data.tar', dev), raw('secrets.json', secrets)];
        })(),
        'unsafe',
      ],
    ])('%s', async (_label, entries, reason) => {
      const file = path.join(dir, 'bad.engawa.age');
      await writeRawArchive(file, PASS, entries);
      expect((await refusal(file)).reason).toBe(reason);
    });

    it('data after the end of the archive', async () => {
      const file = path.join(dir, 'trail.engawa.age');
      await writeRawArchive(file, PASS, [raw('manifest.json', m(ok)), raw('volumes/data.tar', volume), raw('secrets.json', secrets)]);
      const entries = await readRawArchive(file, PASS);
      expect(entries).toHaveLength(3);
      const fh = await open(file, 'w');
      const w = await AgeWriter.create(fh, PASS, 10);
      for (const e of entries) {
        await w.write(fileHeader(e.name, e.data.length, 0));
        await w.write(e.data);
        await w.write(padding(e.data.length));
      }
      await w.write(Buffer.alloc(1024));
      await w.write(Buffer.from('hidden'));
      await w.finish();
      await fh.close();
      expect((await refusal(file)).message).toMatch(/data after its end/);
    });
  });
});

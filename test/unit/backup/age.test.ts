/** The age layer: files the age-encryption library reads, files it writes that we read, and every way a file can be wrong. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Decrypter, Encrypter } from 'age-encryption';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgeWriter, CHUNK, decryptAge } from '../../../electron/core/backup/age';
import { ByteQueue } from '../../../electron/core/util/byte-queue';
import { isEngawaError } from '../../../electron/core/util/errors';

let dir: string;
beforeEach(async () => void (dir = await mkdtemp(path.join(os.tmpdir(), 'engawa-age-'))));
afterEach(() => rm(dir, { recursive: true, force: true }));

async function encrypt(plain: Buffer, pass = 'pw', write?: (w: AgeWriter) => Promise<void>): Promise<Buffer> {
  const file = path.join(dir, 'f.age');
  const fh = await open(file, 'w');
  const w = await AgeWriter.create(fh, pass, 10);
  await (write ? write(w) : w.write(plain));
  await w.finish();
  await fh.close();
  return readFile(file);
}

async function decrypt(bytes: Buffer, pass = 'pw', piece = 7000): Promise<Buffer> {
  async function* pieces(): AsyncGenerator<Buffer> {
    for (let i = 0; i < bytes.length; i += piece) yield bytes.subarray(i, i + piece);
  }
  const out: Buffer[] = [];
  for await (const c of decryptAge(pieces(), pass)) out.push(c);
  return Buffer.concat(out);
}

async function reason(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return isEngawaError(e) ? e.details?.reason : e;
  }
  return 'no error';
}

describe('the work factor a file asks for', () => {
  it('is refused above the ceiling before any key derivation, as too much work', async () => {
    const good = await encrypt(Buffer.from('hello'));
    const text = good.toString('latin1');
    const line = /-> scrypt (\S+) 10\n/.exec(text);
    expect(line).not.toBeNull();
    const hostile = Buffer.from(text.replace(line![0], `-> scrypt ${line![1]} 22\n`), 'latin1');
    // (were it derived, logN 22 would need 4 GiB and tens of seconds: far past this test's timeout)
    const e = await decrypt(hostile).then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toMatchObject({ code: 'INVALID_INPUT', details: { reason: 'work-factor', workFactor: 22, max: 20 } });
    expect((e as Error).message).toMatch(/too much work/);
  });

  it('up to the ceiling is accepted (age tool choices)', async () => {
    expect((await decrypt(await encrypt(Buffer.from('x')))).toString()).toBe('x');
  });
});

describe('age files', () => {
  it.each([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 200_000])('the age-encryption library decrypts what we write (%i bytes)', async (n) => {
    const plain = randomBytes(n);
    const d = new Decrypter();
    d.addPassphrase('pw');
    expect(Buffer.from(await d.decrypt(await encrypt(plain)))).toEqual(plain);
  });

  it.each([0, 5, CHUNK, 2 * CHUNK + 3])('we decrypt what the library writes (%i bytes)', async (n) => {
    const plain = randomBytes(n);
    const e = new Encrypter();
    e.setPassphrase('pw');
    e.setScryptWorkFactor(10);
    expect(await decrypt(Buffer.from(await e.encrypt(plain)))).toEqual(plain);
  });

  it('fills reserved regions later, in chunks already passed, without changing anything else', async () => {
    const head = randomBytes(CHUNK);
    const tail = randomBytes(3 * CHUNK + 10);
    const bytes = await encrypt(Buffer.alloc(0), 'pw', async (w) => {
      w.reserve(100, 512);
      await w.write(Buffer.alloc(CHUNK));
      await w.write(tail);
      await w.fill(100, head.subarray(100, 612));
    });
    const plain = await decrypt(bytes);
    expect(plain.subarray(100, 612)).toEqual(head.subarray(100, 612));
    expect(plain.subarray(CHUNK)).toEqual(tail);
  });

  it('refuses to finish with a region still reserved', async () => {
    const fh = await open(path.join(dir, 'x'), 'w');
    const w = await AgeWriter.create(fh, 'pw', 10);
    w.reserve(0, 10);
    await w.write(Buffer.alloc(CHUNK * 2));
    await expect(w.finish()).rejects.toThrow(/parts still missing/);
    await fh.close();
  });

  it('tells a wrong passphrase, a damaged file, a cut file and a file that is not age apart', async () => {
    const bytes = await encrypt(randomBytes(3 * CHUNK + 100));
    expect(await reason(decrypt(bytes, 'other'))).toBe('passphrase');
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 2 * CHUNK]! ^= 1;
    expect(await reason(decrypt(flipped))).toBe('damaged');
    expect(await reason(decrypt(bytes.subarray(0, bytes.length - 50)))).toBe('damaged');
    const headerEnd = bytes.indexOf('\n', bytes.indexOf('\n--- ') + 1) + 1;
    expect(await reason(decrypt(bytes.subarray(0, headerEnd + 16 + 2 * (CHUNK + 16))))).toBe('damaged');
    expect(await reason(decrypt(Buffer.from('hello, this is not a backup')))).toBe('format');
    await writeFile(path.join(dir, 'empty'), '');
    expect(await reason(decrypt(Buffer.alloc(0)))).toBe('format');
  });

  it('yields nothing from a damaged chunk', async () => {
    const plain = randomBytes(3 * CHUNK);
    const bytes = await encrypt(plain);
    bytes[bytes.length - 10]! ^= 1;
    const got: Buffer[] = [];
    await expect(
      (async () => {
        for await (const c of decryptAge(
          (async function* () {
            yield bytes;
          })(),
          'pw',
        ))
          got.push(c);
      })(),
    ).rejects.toThrow(/damaged/);
    expect(Buffer.concat(got)).toEqual(plain.subarray(0, 2 * CHUNK));
  });
});

describe('ByteQueue', () => {
  it('takes and peeks across pushed pieces', () => {
    const q = new ByteQueue();
    q.push(Buffer.from('abc'));
    q.push(Buffer.from(''));
    q.push(Buffer.from('defg'));
    expect(q.peek(4).toString()).toBe('abcd');
    expect(q.take(2).toString()).toBe('ab');
    expect(q.take(4).toString()).toBe('cdef');
    expect(q.length).toBe(1);
    expect(q.take(1).toString()).toBe('g');
  });
});

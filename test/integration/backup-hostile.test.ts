/**
 * Hostile backups on the real engine: each a crafted archive, made here with the real passphrase so
 * every checksum is valid — a tunnel record that is another server's, the link chain `d → .`,
 * `d/e → ..`, `d/e/x`, an absolute and a `..` hard link, a setuid file, a PAX sparse entry, sizes
 * declared far beyond the real ones, 100k tiny entries, and a scrypt work factor of 22. Each is
 * refused with a clear message, by the restore as a new server and by the drill, leaving nothing
 * behind; a file swapped at its path between opening and switching restores what was opened and
 * hashed, never the other file. Afterwards the other server is unchanged, by content: its rows, the
 * files of its volumes (hashed), its containers, record and secrets. (Overrides of NODE_OPTIONS,
 * LD_PRELOAD, TUNNEL_TOKEN and an unknown key, dropped and shown, are in backup.test.ts.)
 */
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, open, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../electron/core/backup/manifest';
import { LABELS } from '../../electron/core/plan/types';
import { entryFor, readRawArchive, writeRawArchive, type RawEntry } from '../unit/backup/raw-archive';
import { ENV, PASS, sql, useTestWebInstance } from './backup-world';
import { cli, docker, labelled, LOCAL_IMAGES, REPO, TEST_RECIPE } from './helpers';
import { file, header, pax, tar } from '../unit/backup/crafted-tar';

const run = promisify(execFile);
const BUSYBOX = LOCAL_IMAGES['docker.io/library/busybox:1'] as string;

/** SHA-256 of every path's type, mode, owner and size, and every file's content, in a volume. */
async function volumeHash(volume: string): Promise<string> {
  const script = 'cd /v && find . | sort | while read -r p; do stat -c "%n %F %a %u %g %s" "$p"; done && find . -type f | sort | xargs -r sha256sum';
  const { stdout } = await run('docker', ['run', '--rm', '--network', 'none', '-v', `${volume}:/v:ro`, BUSYBOX, 'sh', '-c', script], {
    env: process.env,
    maxBuffer: 64 * 1024 * 1024,
  });
  return createHash('sha256').update(stdout).digest('hex');
}

/** SHA-256 of a plain pg_dump, less its `\restrict` lines (a random key each run). */
const dumpHash = (dump: string): string =>
  createHash('sha256')
    .update(dump.replace(/^\\(un)?restrict .*$/gm, ''))
    .digest('hex');

describe('hostile backups', () => {
  const { name, home } = useTestWebInstance('bkh');
  const copy = `${name}-c`;
  let good: RawEntry[] = [];
  let manifest: Manifest;
  let before: { rows: string; dump: string; volumes: Record<string, string>; state: unknown };
  const tunnelId = '0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b';

  /** What says the other server is as it was, short of hashing its volumes: containers, record, secrets, rows. */
  const state = async (): Promise<unknown> => {
    const containers = await docker().listContainers({ all: true, filters: { label: [`${LABELS.project}=engawa-${name}`] } });
    return {
      containers: containers.map((c) => `${c.Names[0]} ${c.Id} ${c.State}`).sort(),
      volumes: (await labelled(`engawa-${name}`)).volumes.sort(),
      record: await readFile(path.join(home.dir, 'instances', `${name}.json`), 'utf8'),
      secrets: await readFile(path.join(home.dir, 'secrets', `${name}.json`), 'utf8'),
      rows: await sql(name, "SELECT md5(string_agg(body, E'\\n' ORDER BY id)) FROM notes"),
    };
  };

  /** Nothing of the refused restore or drill is left: no instance, Docker objects, temporary copies or dump files. */
  const nothingLeft = async (): Promise<void> => {
    expect(existsSync(path.join(home.dir, 'instances', `${copy}.json`))).toBe(false);
    expect(await labelled(`engawa-${copy}`)).toEqual({ containers: [], volumes: [], networks: [] });
    const temporary = await docker().listContainers({ all: true, filters: { name: ['restore-', 'drill-'] } });
    expect(temporary.filter((c) => c.Names.some((n) => n.startsWith('/engawa-')))).toEqual([]);
    expect(existsSync(path.join(home.dir, 'restore-dumps')) ? await readdir(path.join(home.dir, 'restore-dumps')) : []).toEqual([]);
  };

  /**
   * Writes a backup made from the good one's entries (its tunnel left out): `change` edits the
   * manifest and the entries, whose sizes and checksums then follow (unless `asListed`).
   */
  const craft = async (
    label: string,
    change: (m: Manifest, entries: RawEntry[]) => { m: Manifest; entries: RawEntry[] },
    asListed = false,
  ): Promise<string> => {
    const target = path.join(home.dir, `${label}-20000101T000000000Z.engawa.age`);
    const { m, entries } = change({ ...structuredClone(manifest), instance: { ...structuredClone(manifest.instance), tunnel: null } }, good.slice(1));
    const kinds = new Map(m.entries.map((e) => [e.path, e]));
    const listed = entries.map((e) => entryFor(e.name, kinds.get(e.name)!.kind, e.data, kinds.get(e.name)!.source));
    await writeRawArchive(target, PASS, [{ name: 'manifest.json', data: Buffer.from(JSON.stringify(asListed ? m : { ...m, entries: listed })) }, ...entries]);
    return target;
  };
  /** The good backup with its Redis volume's tar replaced by `inner`. */
  const withVolume = (label: string, inner: Buffer): Promise<string> =>
    craft(label, (m, entries) => ({ m, entries: entries.map((e) => (e.name === 'volumes/redis.tar' ? { name: e.name, data: inner } : e)) }));

  /** The restore as a new server and the drill both refuse `target` saying `message`; nothing is left, the other server untouched. */
  const refused = async (target: string, message: RegExp): Promise<void> => {
    const was = await state();
    const r = await cli(home.dir, ['restore', target, '--name', copy], ENV);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr).toMatch(message);
    await nothingLeft();
    const d = await cli(home.dir, ['verify', target, '--drill'], ENV);
    expect(d.code, d.stdout + d.stderr).toBe(1);
    expect(d.stdout + d.stderr).toMatch(message);
    await nothingLeft();
    expect(await state()).toEqual(was);
  };

  beforeAll(async () => {
    await sql(name, "INSERT INTO notes(body) VALUES ('first'), ('second')");
    const seeded = await run(
      'docker',
      ['exec', '-u', 'redis', `engawa-${name}-redis-1`, 'sh', '-c', 'mkdir -p /data/notes && echo kept > /data/notes/a && ln -s notes/a /data/link'],
      {
        env: process.env,
      },
    );
    expect(seeded.stderr).toBe('');
    // the other server has a tunnel here, which a backup must not take over
    const recordFile = path.join(home.dir, 'instances', `${name}.json`);
    const record = JSON.parse(await readFile(recordFile, 'utf8')) as Record<string, unknown>;
    await writeFile(recordFile, JSON.stringify({ ...record, tunnel: { mode: 'token', protocol: 'auto', publicHost: `${name}.example.com`, tunnelId } }));
    const secretsFile = path.join(home.dir, 'secrets', `${name}.json`);
    await writeFile(secretsFile, JSON.stringify({ ...JSON.parse(await readFile(secretsFile, 'utf8')), tunnel_token: 'the-connector-token' }));
    const b = await cli(home.dir, ['backup', name, '--json'], ENV);
    expect(b.code, b.stderr).toBe(0);
    good = await readRawArchive((b.json() as { path: string }).path, PASS);
    expect(good.map((e) => e.name)).toEqual(['manifest.json', 'secrets.json', 'databases/db.dump', 'volumes/redis.tar']);
    manifest = JSON.parse(good[0]!.data.toString('utf8')) as Manifest;
    const volumes = (await labelled(`engawa-${name}`)).volumes;
    const dump = await run('docker', ['exec', `engawa-${name}-db-1`, 'pg_dump', '-U', 'app', '-d', 'app', '--no-owner'], {
      env: process.env,
      maxBuffer: 64 << 20,
    });
    before = {
      rows: await sql(name, 'SELECT body FROM notes ORDER BY id'),
      dump: dumpHash(dump.stdout),
      volumes: Object.fromEntries(await Promise.all(volumes.filter((v) => !v.endsWith('_db')).map(async (v) => [v, await volumeHash(v)] as const))),
      state: await state(),
    };
  });

  it('refuses a tunnel record that is the other server’s (its tunnel id, or its name and home volume)', async () => {
    const secrets = JSON.parse(good[1]!.data.toString('utf8')) as Record<string, string>;
    const token = await craft('tunnel-token', (m, entries) => ({
      m: { ...m, instance: { ...m.instance, tunnel: { mode: 'token', protocol: 'auto', publicHost: 'elsewhere.example.com', tunnelId } } },
      entries: entries.map((e) => (e.name === 'secrets.json' ? { name: e.name, data: Buffer.from(JSON.stringify({ ...secrets, tunnel_token: 'x' })) } : e)),
    }));
    const r = await cli(home.dir, ['restore', token, '--name', copy], ENV);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`cannot be restored safely as "${copy}": its tunnel \\(elsewhere\\.example\\.com\\) is the one the server "${name}" uses here`),
    );
    await nothingLeft();
    const login = await craft('tunnel-login', (m, entries) => ({
      m: {
        ...m,
        instance: {
          ...m.instance,
          tunnel: {
            mode: 'login',
            protocol: 'auto',
            publicHost: `${name}.example.com`,
            name: `engawa-${name}-abcdef`,
            volume: `engawa-${name}_redis`, // the other server's own data
            hostnames: [`${name}.example.com`],
            routed: [],
          },
        },
      },
      entries,
    }));
    const l = await cli(home.dir, ['restore', login, '--name', copy], ENV);
    expect(l.code).toBe(1);
    expect(l.stderr).toMatch(/cannot be restored safely .*is the one the server/);
    await nothingLeft();
    // the drill never runs a tunnel: it restores the data alone, and passes
    const d = await cli(home.dir, ['verify', login, '--drill', '--json'], ENV);
    expect(d.code, d.stderr).toBe(0);
    expect(d.json()).toMatchObject({ ok: true });
    await nothingLeft();
  });

  it.each([
    [
      'the link chain d → ., d/e → .., d/e/x',
      () => tar(header('d', { type: '2', link: '.' }), header('d/e', { type: '2', link: '..' }), file('d/e/x', 'x')),
      /a link that points outside \(d\/e → \.\.\)/,
    ],
    ['an absolute hard link', () => tar(header('h', { type: '1', link: '/etc/passwd' })), /a hard link that points outside \(h → \/etc\/passwd\)/],
    [
      'a ".." hard link',
      () => tar(file('a', 'a'), header('h', { type: '1', link: '../../etc/passwd' })),
      /a hard link that points outside \(h → \.\.\/\.\.\/etc\/passwd\)/,
    ],
    ['a setuid file', () => tar(file('run', '#!/bin/sh\n', 0o4755)), /a setuid, setgid or sticky file \(run, mode 4755\)/],
    [
      'a PAX sparse entry declaring 1 TiB',
      () =>
        tar(
          pax({ 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.realsize': String(1024 ** 4), 'GNU.sparse.name': 'f' }),
          file('f', Buffer.alloc(3584)),
        ),
      /a sparse file \(f\)/,
    ],
    [
      'a file declaring a size far beyond the real one',
      () => tar(pax({ size: String(1024 ** 4) }), header('f'), Buffer.alloc(4096)),
      /an entry larger than the whole storage \(f\)/,
    ],
  ])('refuses a volume holding %s', async (label, inner, message) => {
    const target = await withVolume(label.replace(/[^a-z]+/gi, '-'), inner());
    await refused(target, new RegExp(`cannot be restored safely: the storage "redis" contains ${message.source}`));
  });

  it('refuses a part whose declared size is far beyond the real one', async () => {
    const target = await craft(
      'declared',
      (m, entries) => ({
        m: { ...m, entries: m.entries.map((e) => (e.path === 'volumes/redis.tar' ? { ...e, size: 1024 ** 4 } : e)) },
        entries,
      }),
      true,
    );
    await refused(target, /damaged or incomplete.*volumes\/redis\.tar does not have the size its description gives/);
  });

  it('refuses 100k tiny entries, each listed with a valid checksum, by the size of their description', async () => {
    const tiny = Array.from({ length: 100_000 }, (_, i) => ({ name: `volumes/t${i}.tar`, data: Buffer.from('x') }));
    const target = await craft('tiny', (m, entries) => ({
      m: { ...m, entries: [...m.entries, ...tiny.map((t) => entryFor(t.name, 'volume', t.data, 'redis'))] },
      entries: [...entries, ...tiny],
    }));
    await refused(target, /This backup's description is far too large/);
  });

  it('refuses a file asking for a scrypt work factor of 22 before deriving any key', async () => {
    const target = await withVolume('logn', good[3]!.data);
    const data = await readFile(target);
    const at = data.indexOf('-> scrypt ');
    const end = data.indexOf('\n', at);
    expect(data.toString('ascii', end - 3, end)).toBe(' 10');
    data.write(' 22', end - 3, 'ascii');
    await writeFile(target, data);
    const t0 = Date.now();
    await refused(target, /asks for too much work to open \(scrypt work factor 22; Engawa opens up to 20\)/);
    expect(Date.now() - t0).toBeLessThan(60_000); // not 2 × 40 s of key derivation
  });

  it('restores what it opened and hashed when another file is put at its path before the switch', async () => {
    const big = (content: Buffer) => tar(file('notes/a', 'kept'), file('blob', content));
    const mine = randomBytes(64 << 20);
    const theirs = randomBytes(64 << 20);
    const a = await withVolume('swap-a', big(mine));
    const b = await withVolume('swap-b', big(theirs));
    for (const how of ['renamed over it', 'written into it'] as const) {
      const target = path.join(home.dir, `swap-${how === 'renamed over it' ? 'r' : 'w'}-20000101T000000000Z.engawa.age`);
      await copyFile(a, target);
      const replacement = path.join(home.dir, 'replacement.engawa.age');
      await copyFile(b, replacement);
      // the real command, with the file swapped as soon as it says it restores the data
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'electron/cli.ts'), 'restore', target, '--name', copy], {
        cwd: REPO,
        env: { ...process.env, ENGAWA_HOME: home.dir, ENGAWA_RECIPES: TEST_RECIPE, ENGAWA_IMAGES: JSON.stringify(LOCAL_IMAGES), ...ENV },
      });
      let output = '';
      let swapped: Promise<void> | undefined;
      const onData = (d: Buffer): void => {
        output += d.toString();
        if (swapped === undefined && /Restore the data/.test(output)) {
          swapped =
            how === 'renamed over it'
              ? rename(replacement, target)
              : (async () => {
                  const fh = await open(target, 'r+');
                  await fh.write(await readFile(replacement), 0, undefined, 0);
                  await fh.close();
                })();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      await swapped;
      expect(swapped, output).toBeDefined();
      if (code === 0) {
        // only what was hashed is used: the file it opened, never the one put there
        const volume = JSON.parse(await readFile(path.join(home.dir, 'instances', `${copy}.json`), 'utf8')).volumes.redis as string;
        const { stdout } = await run('docker', ['run', '--rm', '--network', 'none', '-v', `${volume}:/v:ro`, BUSYBOX, 'sha256sum', '/v/blob'], {
          env: process.env,
        });
        expect(stdout.split(' ')[0], how).toBe(createHash('sha256').update(mine).digest('hex'));
        expect(await sql(copy, 'SELECT body FROM notes ORDER BY id')).toBe(before.rows);
        const destroyed = await cli(home.dir, ['destroy', copy, '--yes']);
        expect(destroyed.code, destroyed.stderr).toBe(0);
      } else {
        expect(how, output).toBe('written into it'); // a file changed under the reader fails its authentication
        expect(output).toMatch(/damaged or incomplete/);
      }
      await nothingLeft();
    }
  });

  it('leaves the other server exactly as it was: rows, database, every volume’s files, containers, record and secrets', async () => {
    expect(await state()).toEqual(before.state);
    expect(await sql(name, 'SELECT body FROM notes ORDER BY id')).toBe(before.rows);
    const dump = await run('docker', ['exec', `engawa-${name}-db-1`, 'pg_dump', '-U', 'app', '-d', 'app', '--no-owner'], {
      env: process.env,
      maxBuffer: 64 << 20,
    });
    expect(dumpHash(dump.stdout)).toBe(before.dump);
    for (const [volume, hash] of Object.entries(before.volumes)) expect(await volumeHash(volume), volume).toBe(hash);
    expect(Object.keys(before.volumes).length).toBeGreaterThanOrEqual(2); // the Redis data and the cache
  });
});

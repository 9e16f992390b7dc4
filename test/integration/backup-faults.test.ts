/**
 * Backups that go wrong, on the real engine: the CLI killed (SIGKILL) while backing up or restoring,
 * files that are damaged, cut short, of another stack, of a newer format, or carry a `..` path,
 * a wrong passphrase, and a folder without room. Each is refused (or recovered) with a clear
 * message and the instance exactly as it was.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ArchiveWriter } from '../../electron/core/backup/archive-writer';
import { listBackups } from '../../electron/core/backup/files';
import type { Manifest } from '../../electron/core/backup/manifest';
import { tarFiles } from '../../electron/core/util/tar-write';
import { execIn } from '../../electron/core/engine/exec';
import { getRecipe } from '../../electron/core/stacks/registry';
import { generateSecrets } from '../../electron/core/stacks/secrets';
import { entryFor, manifestOf, readRawArchive, writeRawArchive } from '../unit/backup/raw-archive';
import { ENV, PASS, sql, useTestWebInstance } from './backup-world';
import { cli, docker, labelled, LOCAL_IMAGES, REPO, TEST_RECIPE } from './helpers';

/** Everything that says what state an instance is in: its rows, record, secrets, Docker objects. */
async function snapshot(home: string, name: string): Promise<unknown> {
  const project = `engawa-${name}`;
  const objects = await labelled(project);
  const containers = await docker().listContainers({ all: true });
  return {
    rows: await sql(name, 'SELECT body FROM notes ORDER BY id'),
    record: await readFile(path.join(home, 'instances', `${name}.json`), 'utf8'),
    secrets: await readFile(path.join(home, 'secrets', `${name}.json`), 'utf8'),
    volumes: objects.volumes.sort(),
    containers: objects.containers.sort(),
    staging: containers.filter((c) => c.Names.some((n) => /restore-|drill-/.test(n) && n.includes('engawa-'))).length,
  };
}

/**
 * Runs the real `engawa` command in a child process and SIGKILLs it as soon as its output shows
 * `when` (plus `delayMs`); resolves with what it printed and whether it was killed.
 */
function killDuring(home: string, args: string[], when: RegExp, delayMs = 0): Promise<{ killed: boolean; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'electron/cli.ts'), ...args], {
    cwd: REPO,
    env: { ...process.env, ENGAWA_HOME: home, ENGAWA_RECIPES: TEST_RECIPE, ENGAWA_IMAGES: JSON.stringify(LOCAL_IMAGES), ...ENV },
  });
  let output = '';
  let killed = false;
  const onData = (d: Buffer): void => {
    output += d.toString();
    if (!killed && when.test(output)) {
      killed = true;
      setTimeout(() => child.kill('SIGKILL'), delayMs);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve) => child.on('exit', (_code, signal) => resolve({ killed: signal === 'SIGKILL', output })));
}

describe('backup faults', () => {
  const { name, home } = useTestWebInstance('bkf');
  let file = '';

  beforeAll(async () => {
    // enough data that a kill lands while bytes are streaming
    await sql(name, "INSERT INTO notes(body) SELECT md5(random()::text) || repeat('x', 200) FROM generate_series(1, 200000)");
    const blob = await execIn(docker().getContainer(`engawa-${name}-redis-1`), ['sh', '-c', 'head -c 150000000 /dev/urandom > /data/blob'], {
      user: 'redis', // the service's own user: root there lacks DAC_OVERRIDE
    });
    expect(blob.exitCode).toBe(0);
    const r = await cli(home.dir, ['backup', name, '--json'], ENV);
    expect(r.code, r.stderr).toBe(0);
    file = (r.json() as { path: string }).path;
    await sql(name, "INSERT INTO notes(body) VALUES ('after the backup')");
  });

  it.each([
    ['while dumping the database', /Dump the database/, 50],
    ['while copying a volume', /Copy the storage/, 300],
    ['while writing the manifest and renaming', /Write the backup file/, 0],
  ])('a backup killed %s leaves no incomplete file under a backup name, and the next one works', async (_when, at, delay) => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'engawa-kill-'));
    try {
      const r = await killDuring(home.dir, ['backup', name, '--out', out], at, delay);
      expect(r.killed, r.output).toBe(true);
      // a kill after the rename leaves a complete backup; before it, only a partial file
      for (const b of await listBackups(out, name)) {
        const v = await cli(home.dir, ['verify', b.path], ENV);
        expect(v.code, v.stderr).toBe(0);
      }
      expect((await readdir(out)).every((f) => f.endsWith('.partial') || f.endsWith('.engawa.age'))).toBe(true);
      const again = await cli(home.dir, ['backup', name, '--out', out], ENV);
      expect(again.code, again.stderr).toBe(0);
      expect((await listBackups(out, name)).length).toBeGreaterThanOrEqual(1);
      expect((await readdir(out)).filter((f) => f.endsWith('.partial'))).toEqual([]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it.each([
    ['while restoring the data', /Restore the data/, 300],
    ['while starting the restored copy', /Start the restored copy/, 200],
  ])('a restore killed %s leaves the instance as it was, and running it again completes', async (_when, at, delay) => {
    const before = await snapshot(home.dir, name);
    const r = await killDuring(home.dir, ['restore', file], at, delay);
    expect(r.killed, r.output).toBe(true);
    const status = await cli(home.dir, ['status', name, '--json']);
    expect((status.json() as { state: string }).state).toBe('running');
    // what the killed restore left (a temporary copy, new volumes) is not the instance's; the re-run clears it
    const instanceOnly = ({ staging: _s, volumes: _v, ...rest }: Record<string, unknown>) => rest;
    expect(instanceOnly((await snapshot(home.dir, name)) as Record<string, unknown>)).toEqual(instanceOnly(before as Record<string, unknown>));
    expect((await labelled(`engawa-${name}`)).volumes).toEqual(expect.arrayContaining((before as { volumes: string[] }).volumes));
    const again = await cli(home.dir, ['restore', file], ENV);
    expect(again.code, again.stderr).toBe(0);
    expect(await sql(name, "SELECT count(*) FROM notes WHERE body = 'after the backup'")).toBe('0');
    const record = JSON.parse(await readFile(path.join(home.dir, 'instances', `${name}.json`), 'utf8')) as {
      volumes: Record<string, string>;
      beforeRestore: { volumes: Record<string, string> }[];
    };
    const named = [...Object.values(record.volumes), ...record.beforeRestore.flatMap((b) => Object.values(b.volumes))];
    expect((await labelled(`engawa-${name}`)).volumes.sort()).toEqual(named.sort());
    expect(((await snapshot(home.dir, name)) as { staging: number }).staging).toBe(0);
    await sql(name, "INSERT INTO notes(body) VALUES ('after the backup')");
    const confirmed = await cli(home.dir, ['restore-confirm', name]);
    expect(confirmed.code, confirmed.stderr).toBe(0);
  });

  describe('refusals that change nothing', () => {
    const bad = async (
      label: string,
      make: (target: string) => Promise<void>,
      message: RegExp,
      env: Record<string, string> = ENV,
      fileIsBad = true,
    ): Promise<void> => {
      const target = path.join(path.dirname(file), `${label}.engawa.age`);
      await make(target);
      const before = await snapshot(home.dir, name);
      const r = await cli(home.dir, ['restore', target, '--name', name], env);
      expect(r.code, label).toBe(1);
      expect(r.stderr, label).toMatch(message);
      expect(await snapshot(home.dir, name), label).toEqual(before);
      const v = await cli(home.dir, ['verify', target], env);
      expect(v.code, label).toBe(fileIsBad ? 1 : 0);
    };

    it('refuses a file with one flipped byte', async () => {
      await bad(
        'flipped',
        async (t) => {
          const data = await readFile(file);
          data[Math.floor(data.length / 2)]! ^= 0x01;
          await writeFile(t, data);
        },
        /damaged or incomplete/,
      );
    });

    it('refuses a truncated file', async () => {
      await bad(
        'truncated',
        async (t) => {
          await copyFile(file, t);
          await truncate(t, (await readFile(file)).length - 1000);
        },
        /damaged or incomplete/,
      );
      // cut exactly after a whole encrypted part: only the missing last-part flag shows it
      const cut = path.join(path.dirname(file), 'cut-at-chunk.engawa.age');
      await copyFile(file, cut);
      const header = (await readFile(file)).indexOf('\n--- ') + 1;
      const headerEnd = (await readFile(file)).indexOf('\n', header) + 1;
      await truncate(cut, headerEnd + 16 + (65536 + 16) * 3);
      const r = await cli(home.dir, ['verify', cut], ENV);
      expect(r.stderr).toMatch(/damaged or incomplete/);
    });

    it('refuses a wrong passphrase', async () => {
      await bad('wrong-pass', (t) => copyFile(file, t), /passphrase is wrong/, {
        ENGAWA_BACKUP_PASSPHRASE: 'not the passphrase',
      });
    });

    it('refuses a backup of another stack', async () => {
      await bad(
        'other-stack',
        async (t) => {
          const bluesky = getRecipe('bluesky');
          const w = await ArchiveWriter.create(t, PASS, { workFactor: 10 });
          await w.add('volumes/data.tar', 'volume', tarFiles([{ path: 'x', content: 'x', mode: 0o644, uid: 0, gid: 0 }]), 'data');
          await w.add('secrets.json', 'secrets', Buffer.from(JSON.stringify(generateSecrets(bluesky, {}))));
          const { entries: _e, ...m } = manifestOf([], { stack: { id: 'bluesky', version: bluesky.version } });
          await w.commit({ ...m, instance: { ...m.instance, name, domain: `${name}.example.com` } });
        },
        /backup of a Bluesky PDS server, but ".*" is a test-web server/,
        ENV,
        false,
      );
    });

    it('refuses a backup in a newer format', async () => {
      await bad(
        'newer',
        async (t) => {
          const secrets = Buffer.from('{}');
          const m = manifestOf([entryFor('secrets.json', 'secrets', secrets)], { formatVersion: 99, app: { version: '9.0.0' } });
          await writeRawArchive(t, PASS, [
            { name: 'manifest.json', data: Buffer.from(JSON.stringify(m)) },
            { name: 'secrets.json', data: secrets },
          ]);
        },
        /made by Engawa 9\.0\.0 in a newer format/,
      );
    });

    it('refuses a volume holding a ".." path, and an archive entry with one', async () => {
      const good = await readRawArchive(file, PASS);
      const manifest = JSON.parse(good[0]!.data.toString('utf8')) as Manifest;
      const evil = tarFiles([{ path: '../../etc/evil', content: 'x', mode: 0o644, uid: 0, gid: 0 }]);
      const withEntries = (entries: { name: string; data: Buffer }[], m: Manifest) => [
        { name: 'manifest.json', data: Buffer.from(JSON.stringify(m)) },
        ...entries,
      ];
      await bad(
        'dotdot-inner',
        async (t) => {
          const entries = good.slice(1).map((e) => (e.name === 'volumes/redis.tar' ? { name: e.name, data: evil } : e));
          const m = { ...manifest, entries: manifest.entries.map((e) => (e.path === 'volumes/redis.tar' ? entryFor(e.path, 'volume', evil, 'redis') : e)) };
          await writeRawArchive(t, PASS, withEntries(entries, m));
        },
        /cannot be restored safely: the storage "redis" contains a path that climbs out/,
      );
      await bad(
        'dotdot-outer',
        async (t) => {
          const entries = good.slice(1).map((e) => (e.name === 'volumes/redis.tar' ? { name: '../redis.tar', data: e.data } : e));
          const m = { ...manifest, entries: manifest.entries.map((e) => (e.path === 'volumes/redis.tar' ? { ...e, path: '../redis.tar' } : e)) };
          await writeRawArchive(t, PASS, withEntries(entries, m));
        },
        /cannot be restored safely: it contains a path that climbs out/,
      );
    });
  });

  it('fails before writing anything when the folder has no room', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'engawa-small-'));
    const mount = (args: string[]) => new Promise<number | null>((resolve) => spawn('mount', args, { stdio: 'ignore' }).on('exit', resolve));
    expect(await mount(['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir])).toBe(0);
    try {
      const r = await cli(home.dir, ['backup', name, '--out', dir], ENV);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/not enough free space in .*: the backup needs about/);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await new Promise((resolve) => spawn('umount', [dir]).on('exit', resolve));
      await rm(dir, { recursive: true, force: true });
    }
  });
});

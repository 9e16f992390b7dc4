/**
 * Backups on the real engine with the test recipe (Postgres, Redis, a cache volume): the round
 * trip through destroy + restore, the standard `age` tool opening a backup, a restore over a
 * running instance (old data kept until confirmed), and the restore drill (a good backup passes,
 * one whose database dump is empty fails).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ArchiveWriter } from '../../electron/core/backup/archive-writer';
import { listBackups } from '../../electron/core/backup/files';
import type { Manifest } from '../../electron/core/backup/manifest';
import { readRawArchive } from '../unit/backup/raw-archive';
import { ENV, PASS, sql, useTestWebInstance } from './backup-world';
import { cli, docker, labelled } from './helpers';

const run = promisify(execFile);
const notes = async (instance: string): Promise<string[]> => (await sql(instance, 'SELECT body FROM notes ORDER BY id')).split('\n').filter(Boolean);

describe('backup and restore of the test stack', () => {
  const { name, home } = useTestWebInstance('bk');
  let file = '';

  beforeAll(async () => {
    await sql(name, "INSERT INTO notes(body) VALUES ('first'), ('second')");
  });

  it('writes one encrypted file with the manifest first, then the dump, the volumes and the secrets', async () => {
    const dangling = async () => ((await docker().listVolumes({ filters: { dangling: ['true'] } })).Volumes ?? []).map((v) => v.Name);
    const before = await dangling();
    const r = await cli(home.dir, ['backup', name, '--json'], ENV);
    expect(r.code, r.stderr).toBe(0);
    // helper containers take their images' anonymous volumes with them
    expect((await dangling()).filter((v) => !before.includes(v))).toEqual([]);
    const out = r.json() as { path: string; entries: Manifest['entries']; excluded: Manifest['excluded'] };
    file = out.path;
    expect(path.dirname(file)).toBe(path.join(home.dir, 'backups'));
    expect(out.entries.map((e) => e.path)).toEqual(['databases/db.dump', 'volumes/redis.tar', 'secrets.json']);
    expect(out.excluded).toEqual([expect.objectContaining({ volume: 'cache', reason: 'cache' })]);
    const entries = await readRawArchive(file, PASS);
    expect(entries.map((e) => e.name)).toEqual(['manifest.json', 'databases/db.dump', 'volumes/redis.tar', 'secrets.json']);
    const listed = await cli(home.dir, ['backups', name, '--json']);
    expect((listed.json() as { path: string }[]).map((b) => b.path)).toEqual([file]);
  });

  it('is opened by the age tool with the passphrase, and its manifest matches every entry', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'engawa-age-'));
    try {
      const tarFile = path.join(dir, 'backup.tar');
      // age reads the passphrase from a terminal: `script` gives it one fed from stdin
      const child = execFile('script', ['-qec', `age -d -o ${tarFile} ${file}`, '/dev/null']);
      child.stdin?.end(`${PASS}\n`);
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(0);
      const { stdout } = await run('tar', ['-tf', tarFile]);
      const names = stdout.trim().split('\n');
      expect(names[0]).toBe('manifest.json');
      const manifest = JSON.parse((await run('tar', ['-xOf', tarFile, 'manifest.json'], { maxBuffer: 1 << 20 })).stdout) as Manifest;
      expect(names.slice(1)).toEqual(manifest.entries.map((e) => e.path));
      for (const e of manifest.entries) {
        const { stdout: data } = await run('tar', ['-xOf', tarFile, e.path], { encoding: 'buffer', maxBuffer: 1 << 28 });
        expect(createHash('sha256').update(data).digest('hex'), e.path).toBe(e.sha256);
        expect(data.length).toBe(e.size);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('restores over the running instance, keeping the old data until confirmed', async () => {
    await sql(name, "INSERT INTO notes(body) VALUES ('after the backup')");
    const r = await cli(home.dir, ['restore', file], ENV);
    expect(r.code, r.stderr).toBe(0);
    expect(await notes(name)).toEqual(['first', 'second']);
    const record = JSON.parse(await readFile(path.join(home.dir, 'instances', `${name}.json`), 'utf8')) as {
      volumes: Record<string, string>;
      beforeRestore: { volumes: Record<string, string> }[];
    };
    expect(record.beforeRestore[0]?.volumes.db).toBe(`engawa-${name}_db`);
    const volumes = (await labelled(`engawa-${name}`)).volumes;
    expect(volumes).toEqual(expect.arrayContaining([`engawa-${name}_db`, record.volumes.db]));
    const confirmed = await cli(home.dir, ['restore-confirm', name]);
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect((await labelled(`engawa-${name}`)).volumes.sort()).toEqual(Object.values(record.volumes).sort());
    const status = await cli(home.dir, ['status', name, '--json']);
    expect((status.json() as { state: string }).state).toBe('running');
  });

  it('brings the data back after destroy, and not what was added after the backup', async () => {
    await sql(name, "INSERT INTO notes(body) VALUES ('too late')");
    expect((await cli(home.dir, ['destroy', name, '--yes'])).code).toBe(0);
    expect((await labelled(`engawa-${name}`)).volumes).toEqual([]);
    const r = await cli(home.dir, ['restore', file], ENV);
    expect(r.code, r.stderr).toBe(0);
    expect(await notes(name)).toEqual(['first', 'second']);
    const status = await cli(home.dir, ['status', name, '--json']);
    expect(status.json()).toMatchObject({ state: 'running', domain: `${name}.example.com` });
  });

  it('passes the restore drill and records it beside the backup, leaving nothing behind', async () => {
    const before = await docker().listContainers({ all: true });
    const r = await cli(home.dir, ['verify', file, '--drill'], ENV);
    expect(r.code, r.stderr).toBe(0);
    const [listed] = await listBackups(path.dirname(file), name);
    expect(listed?.drill).toMatchObject({ ok: true, problems: [] });
    const after = await docker().listContainers({ all: true });
    expect(after.filter((c) => c.Names.some((n) => n.includes('drill-'))).map((c) => c.Id)).toEqual(
      before.filter((c) => c.Names.some((n) => n.includes('drill-'))).map((c) => c.Id),
    );
  });

  it('fails the drill of a backup whose database dump is empty', async () => {
    const good = await readRawArchive(file, PASS);
    const manifest = JSON.parse(good[0]!.data.toString('utf8')) as Manifest;
    const broken = path.join(path.dirname(file), `${name}-20000101T000000000Z.engawa.age`);
    const w = await ArchiveWriter.create(broken, PASS, { workFactor: 10 });
    for (const e of good.slice(1)) {
      const entry = manifest.entries.find((x) => x.path === e.name)!;
      await w.add(e.name, entry.kind, e.name.startsWith('databases/') ? Buffer.alloc(0) : e.data, entry.source);
    }
    const { entries: _e, ...rest } = manifest;
    await w.commit(rest);
    const r = await cli(home.dir, ['verify', broken, '--drill'], ENV);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/restore drill failed/);
    const listed = (await listBackups(path.dirname(file), name)).find((b) => b.path === broken);
    expect(listed?.drill).toMatchObject({ ok: false, problems: [expect.stringMatching(/database dump of db in this backup is empty/)] });
  });
});

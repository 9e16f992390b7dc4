/**
 * Backups on the real engine with the test recipe (Postgres, Redis, a cache volume): the round
 * trip through destroy + restore, the standard `age` tool opening a backup, a restore over a
 * running instance (old data kept until confirmed), and the restore drill (a good backup passes,
 * one whose database dump is empty fails); a file made before the secrets came first restores and
 * drills too. The file holds the tunnel token but never the Cloudflare API token; a crafted backup (the real passphrase: every checksum valid) whose overrides ask for
 * NODE_OPTIONS, LD_PRELOAD, TUNNEL_TOKEN and an unknown key restores as a new server and drills
 * without any of them, saying which it left out.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ArchiveWriter } from '../../electron/core/backup/archive-writer';
import { listBackups } from '../../electron/core/backup/files';
import { restoreStagingName } from '../../electron/core/backup/restore';
import type { Manifest } from '../../electron/core/backup/manifest';
import { secretFile } from '../../electron/core/instances';
import { readRawArchive } from '../unit/backup/raw-archive';
import { ENV, PASS, sql, useTestWebInstance } from './backup-world';
import { cli, docker, eventually, labelled } from './helpers';

const run = promisify(execFile);
const notes = async (instance: string): Promise<string[]> => (await sql(instance, 'SELECT body FROM notes ORDER BY id')).split('\n').filter(Boolean);

describe('backup and restore of the test stack', () => {
  const { name, home } = useTestWebInstance('bk');
  let file = '';

  beforeAll(async () => {
    await sql(name, "INSERT INTO notes(body) VALUES ('first'), ('second')");
    // as a server with a tunnel keeps them (the test stack has none: they are only carried)
    const kept = JSON.parse(await readFile(secretFile(home.dir, name), 'utf8')) as Record<string, string>;
    await writeFile(secretFile(home.dir, name), JSON.stringify({ ...kept, tunnel_token: 'the-connector-token', cloudflare_api_token: 'dns-of-every-zone' }));
  });

  it('writes one encrypted file with the manifest first, then the secrets, the dump and the volumes', async () => {
    const dangling = async () => ((await docker().listVolumes({ filters: { dangling: ['true'] } })).Volumes ?? []).map((v) => v.Name);
    const before = await dangling();
    const r = await cli(home.dir, ['backup', name, '--json'], ENV);
    expect(r.code, r.stderr).toBe(0);
    // helper containers take their images' anonymous volumes with them
    expect((await dangling()).filter((v) => !before.includes(v))).toEqual([]);
    const out = r.json() as { path: string; entries: Manifest['entries']; excluded: Manifest['excluded'] };
    file = out.path;
    expect(path.dirname(file)).toBe(path.join(home.dir, 'backups'));
    expect(out.entries.map((e) => e.path)).toEqual(['secrets.json', 'databases/db.dump', 'volumes/redis.tar']);
    expect(out.excluded).toEqual([expect.objectContaining({ volume: 'cache', reason: 'cache' })]);
    const entries = await readRawArchive(file, PASS);
    expect(entries.map((e) => e.name)).toEqual(['manifest.json', 'secrets.json', 'databases/db.dump', 'volumes/redis.tar']);
    const inFile = JSON.parse(entries[1]!.data.toString('utf8')) as Record<string, string>;
    expect(inFile.tunnel_token).toBe('the-connector-token');
    expect(inFile).not.toHaveProperty('cloudflare_api_token');
    expect(inFile).toHaveProperty('db_password');
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
    // the copy that proved the data was stopped cleanly, not killed, and is gone: the server opened its database without recovery
    expect(await labelled(`engawa-${restoreStagingName(name)}`)).toEqual({ containers: [], volumes: [], networks: [] });
    const dbLog = (await docker().getContainer(`engawa-${name}-db-1`).logs({ stdout: true, stderr: true })).toString('utf8');
    expect(dbLog).toContain('database system was shut down');
    expect(dbLog).not.toMatch(/not properly shut down|automatic recovery|interrupted/);
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

  it('restores and drills a backup made before the secrets came first (its dump waits in a private file until they are read)', async () => {
    const good = await readRawArchive(file, PASS);
    const manifest = JSON.parse(good[0]!.data.toString('utf8')) as Manifest;
    const copy = `${name}-o`;
    const older = path.join(path.dirname(file), `${copy}-20000103T000000000Z.engawa.age`);
    const w = await ArchiveWriter.create(older, PASS, { workFactor: 10 });
    const parts = good.slice(1);
    for (const e of [...parts.filter((x) => x.name !== 'secrets.json'), ...parts.filter((x) => x.name === 'secrets.json')]) {
      const entry = manifest.entries.find((x) => x.path === e.name)!;
      await w.add(e.name, entry.kind, e.data, entry.source);
    }
    const { entries: _e, ...rest } = manifest;
    await w.commit(rest);
    expect((await readRawArchive(older, PASS)).map((e) => e.name)).toEqual(['manifest.json', 'databases/db.dump', 'volumes/redis.tar', 'secrets.json']);
    try {
      const r = await cli(home.dir, ['restore', older, '--name', copy], ENV);
      expect(r.code, r.stderr).toBe(0);
      expect(await notes(copy)).toEqual(['first', 'second']);
      expect(await readdir(path.join(home.dir, 'restore-dumps'))).toEqual([]); // the dump's file is gone
      const d = await cli(home.dir, ['verify', older, '--drill'], ENV);
      expect(d.code, d.stdout + d.stderr).toBe(0);
    } finally {
      await cli(home.dir, ['destroy', copy, '--yes']);
    }
  });

  it('restores and drills a backup whose overrides ask for NODE_OPTIONS, LD_PRELOAD, TUNNEL_TOKEN and an unknown key without any of them, saying so', async () => {
    const good = await readRawArchive(file, PASS);
    const manifest = JSON.parse(good[0]!.data.toString('utf8')) as Manifest;
    const marker = `hello-${name}`;
    const hostile = [
      { service: 'web', key: 'NODE_OPTIONS', value: '--require /cache/payload.js' },
      { service: 'web', key: 'LD_PRELOAD', value: '/cache/payload.so' },
      { service: 'web', key: 'TUNNEL_TOKEN', value: 'someone-elses-tunnel' },
      { service: 'db', key: 'UNKNOWN_KEY', value: 'x' },
      { service: 'web', key: 'GREETING', value: marker }, // the one the recipe allows
    ];
    const copy = `${name}-h`;
    const crafted = path.join(path.dirname(file), `${copy}-20000102T000000000Z.engawa.age`);
    const w = await ArchiveWriter.create(crafted, PASS, { workFactor: 10 });
    for (const e of good.slice(1)) {
      const entry = manifest.entries.find((x) => x.path === e.name)!;
      await w.add(e.name, entry.kind, e.data, entry.source);
    }
    const { entries: _e, ...rest } = manifest;
    await w.commit({ ...rest, instance: { ...rest.instance, overrides: hostile } });
    const denied = ['NODE_OPTIONS', 'LD_PRELOAD', 'TUNNEL_TOKEN', 'UNKNOWN_KEY'];
    const keysOf = (env: string[] | undefined) => (env ?? []).map((x) => x.slice(0, x.indexOf('=')));
    try {
      const r = await cli(home.dir, ['restore', crafted, '--name', copy], ENV);
      expect(r.code, r.stderr).toBe(0);
      const said = r.stdout + r.stderr;
      expect(said).toContain('Leave out settings the backup may not change');
      expect(said).toContain(
        'web.NODE_OPTIONS, web.LD_PRELOAD, web.TUNNEL_TOKEN (Engawa never sets these); db.UNKNOWN_KEY (not a setting a backup may change)',
      );
      const record = JSON.parse(await readFile(path.join(home.dir, 'instances', `${copy}.json`), 'utf8')) as { overrides: unknown[] };
      expect(record.overrides).toEqual([{ service: 'web', key: 'GREETING', value: marker }]);
      const containers = (await labelled(`engawa-${copy}`)).containers;
      expect(containers.length).toBe(3);
      for (const c of containers) {
        const env = (await docker().getContainer(c.replace(/^\//, '')).inspect()).Config.Env;
        for (const key of denied) expect(keysOf(env), `${c}: ${key}`).not.toContain(key);
      }
      const web = await docker().getContainer(`engawa-${copy}-web-1`).inspect();
      expect(web.Config.Env).toContain(`GREETING=${marker}`);
      expect(await notes(copy)).toEqual(['first', 'second']);

      // the drill's temporary copy runs without them too: its web container is found by the allowed marker
      const drill = cli(home.dir, ['verify', crafted, '--drill', '--json'], ENV);
      const drillEnv = await eventually(
        async () => {
          const list = await docker().listContainers({ all: true, filters: { name: ['drill-'] } });
          for (const c of list.filter((x) => x.Names.some((n) => n.endsWith('-web-1')))) {
            const env = (
              await docker()
                .getContainer(c.Id)
                .inspect()
                .catch(() => undefined)
            )?.Config.Env;
            if (env?.includes(`GREETING=${marker}`)) return env;
          }
          return undefined;
        },
        120_000,
        'the drill’s web container',
      );
      for (const key of denied) expect(keysOf(drillEnv), key).not.toContain(key);
      const d = await drill;
      expect(d.code, d.stderr).toBe(0);
      expect(d.json()).toMatchObject({
        ok: true,
        droppedOverrides: [
          { service: 'web', key: 'NODE_OPTIONS', reason: 'denied' },
          { service: 'web', key: 'LD_PRELOAD', reason: 'denied' },
          { service: 'web', key: 'TUNNEL_TOKEN', reason: 'denied' },
          { service: 'db', key: 'UNKNOWN_KEY', reason: 'not-overridable' },
        ],
      });
    } finally {
      await cli(home.dir, ['destroy', copy, '--yes']);
    }
  });
});

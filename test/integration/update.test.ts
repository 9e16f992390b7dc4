/**
 * Updates of the test stack on the real engine, through `engawa`: a catalogue that gains a newer
 * release never moves an instance by itself; `update` pulls, backs up (verified, kept outside
 * retention), runs the pre-upgrade step before the switch and the post-upgrade step after it;
 * a crash loop, a failing migration and a release that never turns healthy each roll back to the
 * old release with the rows as they were; a manual rollback brings back the pre-update data; a
 * PostgreSQL 15 → 17 move keeps every row and the old volume until confirmed; an update killed at
 * each point converges on the next `start`; bad input changes nothing.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { InstanceRecord } from '../../electron/core/instances';
import { restoreStagingName } from '../../electron/core/backup/restore';
import { docker, eventually, labelled, REPO, tempHome, uniqueName } from './helpers';
import { sql } from './backup-world';
import { catalogueFile, run, runKilledAt, webEnv, type Variant } from './update-world';

const sh = promisify(execFile);
const engineIsOurs = spawnSync('bash', [path.join(REPO, 'scripts/test-engine.sh'), 'status'], { encoding: 'utf8' }).stdout.includes('(ours)');
const homes: { cleanup: () => Promise<void> }[] = [];
const made: { home: string; name: string; recipes: string }[] = [];

afterEach(async () => {
  for (const m of made.splice(0)) await run(m.home, m.recipes, ['destroy', m.name, '--yes']).catch(() => undefined);
});
afterAll(async () => {
  for (const h of homes) await h.cleanup();
});

/** A test-web instance on release 1.0.0 with three notes, made with the catalogue of `variant`. */
async function instance(prefix: string, variant: Variant | 'base'): Promise<{ home: string; name: string; recipes: string }> {
  const h = await tempHome();
  homes.push(h);
  const recipes = await catalogueFile(variant);
  const name = uniqueName(prefix);
  const args = ['create', 'test-web', '--name', name, '--domain', `${name}.example.com`, ...(variant === 'base' ? [] : ['--version', '1.0.0'])];
  const created = await run(h.dir, recipes, args);
  expect(created.code, created.stderr).toBe(0);
  await sql(name, "INSERT INTO notes(body) VALUES ('one'), ('two'), ('three')");
  const m = { home: h.dir, name, recipes };
  made.push(m);
  return m;
}

const record = async (home: string, name: string): Promise<InstanceRecord> =>
  JSON.parse(await readFile(path.join(home, 'instances', `${name}.json`), 'utf8')) as InstanceRecord;
const notes = (name: string): Promise<string> => sql(name, "SELECT string_agg(body, ',' ORDER BY id) FROM notes");

/** Only the instance's own three containers, and only the volumes its record names (and keeps). */
async function noStrays(home: string, name: string): Promise<void> {
  const r = await record(home, name);
  const objects = await labelled(`engawa-${name}`);
  expect(objects.containers.sort()).toEqual([`/engawa-${name}-db-1`, `/engawa-${name}-redis-1`, `/engawa-${name}-web-1`]);
  const named = new Set([
    ...['db', 'redis', 'cache'].map((k) => r.volumes?.[k] ?? `engawa-${name}_${k}`),
    ...(r.beforeRestore ?? []).flatMap((b) => Object.values(b.volumes)),
  ]);
  for (const v of objects.volumes) expect(named.has(v), `stray volume ${v}`).toBe(true);
  // nothing left of the restore's temporary instance (a rollback and a data move restore through it)
  expect((await labelled(`engawa-${restoreStagingName(name)}`)).containers).toEqual([]);
}

describe('releases', () => {
  it('a catalogue with a newer release changes nothing by itself: start, restart, a backup and a Docker restart keep the instance on its release', async () => {
    const { home, name } = await instance('upq', 'base');
    const newer = await catalogueFile('ok');
    for (const args of [
      ['stop', name],
      ['start', name],
      ['restart', name],
      ['backup', name],
    ]) {
      const r = await run(home, newer, args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect((await record(home, name)).stackVersion).toBe('1.0.0');
      expect((await webEnv(name)).APP_RELEASE).toBeUndefined();
    }
    if (engineIsOurs) {
      // the engine restarts: Docker brings the same containers back; nothing moves them
      execFileSync('bash', [path.join(REPO, 'scripts/test-engine.sh'), 'restart'], { stdio: 'inherit' });
      await eventually(
        async () => ((await run(home, newer, ['status', name, '--json'])).json() as { state?: string }).state === 'running' || undefined,
        120_000,
        'running again',
      );
      expect((await webEnv(name)).APP_RELEASE).toBeUndefined();
      expect((await record(home, name)).stackVersion).toBe('1.0.0');
    }
    const info = await run(home, newer, ['updates', name, '--json']);
    expect(info.code, info.stderr).toBe(0);
    expect(JSON.stringify(info.json())).toContain('1.1.0');
    // on a release this Engawa no longer knows, a backup still works (start would refuse)
    const file = path.join(home, 'instances', `${name}.json`);
    const kept = await readFile(file, 'utf8');
    await writeFile(file, JSON.stringify({ ...(JSON.parse(kept) as InstanceRecord), stackVersion: '0.9.0' }));
    const backup = await run(home, newer, ['backup', name]);
    expect(backup.code, backup.stderr).toBe(0);
    const start = await run(home, newer, ['restart', name]);
    expect(start.code).toBe(1);
    expect(start.stderr).toMatch(/0\.9\.0, a release this version of Engawa does not know/);
    await writeFile(file, kept);
  });

  it('updates with a verified backup first, the pre-upgrade step before the switch and the post-upgrade step after it; a manual rollback brings the old data back', async () => {
    const { home, name, recipes } = await instance('upok', 'ok');
    const before = await notes(name);
    const r = await run(home, recipes, ['update', name, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = r.json() as { from: string; to: string; backup: string; downtimeMs: number };
    expect(result).toMatchObject({ from: '1.0.0', to: '1.1.0' });
    const rec = await record(home, name);
    expect(rec.stackVersion).toBe('1.1.0');
    expect(rec.update).toBeUndefined();
    expect((await webEnv(name)).APP_RELEASE).toBe('1.1.0');
    expect(await notes(name)).toBe(before);
    // pre before the new web container was made, post after it
    const log = (await sql(name, "SELECT step || '|' || extract(epoch from at) FROM upgrade_log ORDER BY id")).split('\n').map((l) => l.split('|'));
    expect(log.map((l) => l[0])).toEqual(['pre 1.1.0', 'post 1.1.0']);
    const webCreated = new Date((await docker().getContainer(`engawa-${name}-web-1`).inspect()).Created).getTime() / 1000;
    expect(Number(log[0]?.[1])).toBeLessThan(webCreated);
    expect(Number(log[1]?.[1])).toBeGreaterThan(webCreated);
    // the pre-update backup: listed, kept outside retention, and it passes a drill
    const listed = await run(home, recipes, ['backups', name, '--json']);
    expect(JSON.stringify(listed.json())).toContain(path.basename(result.backup));
    expect(JSON.parse(await readFile(`${result.backup}.keep.json`, 'utf8'))).toEqual({ reason: 'before-update', from: '1.0.0', to: '1.1.0' });
    const drill = await run(home, recipes, ['verify', result.backup, '--drill']);
    expect(drill.code, drill.stderr).toBe(0);
    await noStrays(home, name);

    // posted after the update: a rollback says it will be lost, then brings back the pre-update data
    await sql(name, "INSERT INTO notes(body) VALUES ('after the update')");
    const refused = await run(home, recipes, ['rollback', name]);
    expect(refused.code).toBe(2);
    expect(refused.stderr + refused.stdout).toMatch(/1 row|lost/);
    const back = await run(home, recipes, ['rollback', name, '--yes']);
    expect(back.code, back.stderr).toBe(0);
    expect((await record(home, name)).stackVersion).toBe('1.0.0');
    expect((await webEnv(name)).APP_RELEASE).toBeUndefined();
    expect(await notes(name)).toBe(before);
  });
});

describe('automatic rollback', () => {
  const cases: [Variant, RegExp][] = [
    ['crash', /web/],
    ['migration-fails', /pre-log|step/],
    ['unhealthy', /web/],
  ];
  it.each(cases)('%s: the update rolls back by itself to 1.0.0 with the rows exactly as before, and says so naming what failed', async (variant, names) => {
    const { home, name, recipes } = await instance(`uprb`, variant);
    const before = await notes(name);
    const r = await run(home, recipes, ['update', name]);
    expect(r.code).toBe(1);
    const line = r.stderr.split('\n').find((l) => l.startsWith('engawa:')) ?? '';
    expect(line).toMatch(/went back to 1\.0\.0/);
    expect(line).toMatch(names);
    const rec = await record(home, name);
    expect(rec.stackVersion).toBe('1.0.0');
    expect(rec.update).toBeUndefined();
    expect(rec.lastError?.code).toBe('ROLLED_BACK');
    expect(await notes(name)).toBe(before);
    expect((await webEnv(name)).APP_RELEASE).toBeUndefined();
    const status = (await run(home, recipes, ['status', name, '--json'])).json() as { state: string };
    expect(status.state).toBe('running');
    await noStrays(home, name);
  });
});

describe('PostgreSQL major versions', () => {
  it('15 → 17 by dump and restore into a new volume: rows intact, the old volume kept until confirmed', async () => {
    const { home, name, recipes } = await instance('uppg', 'pg17');
    const before = await notes(name);
    const oldVolume = `engawa-${name}_db`;
    const r = await run(home, recipes, ['update', name]);
    expect(r.code, r.stderr).toBe(0);
    expect(await sql(name, 'SHOW server_version_num')).toMatch(/^17/);
    expect(await notes(name)).toBe(before);
    const rec = await record(home, name);
    expect(rec.stackVersion).toBe('2.0.0');
    expect(rec.volumes?.db).not.toBe(oldVolume);
    expect((await labelled(`engawa-${name}`)).volumes).toContain(oldVolume);
    const confirmed = await run(home, recipes, ['update-confirm', name]);
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect((await labelled(`engawa-${name}`)).volumes).not.toContain(oldVolume);
    await noStrays(home, name);
  });

  it('when PostgreSQL 17 cannot start, the old major comes back with the rows intact', async () => {
    const { home, name, recipes } = await instance('uppgx', 'pg17-broken');
    const before = await notes(name);
    const r = await run(home, recipes, ['update', name]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/went back to 1\.0\.0/);
    expect(await sql(name, 'SHOW server_version_num')).toMatch(/^15/);
    expect(await notes(name)).toBe(before);
    expect((await record(home, name)).stackVersion).toBe('1.0.0');
    await noStrays(home, name);
  });
});

describe('killed anywhere', () => {
  it.each(['pulled', 'backup-written', 'pre-upgrade', 'switched', 'post-upgrade'])(
    'killed at %s: the next start converges (finished or rolled back), nothing lost, nothing stray',
    async (point) => {
      const { home, name, recipes } = await instance('upk', 'ok');
      const before = await notes(name);
      const killed = await runKilledAt(home, recipes, ['update', name], point);
      expect(killed.killed, killed.output).toBe(true);
      expect((await record(home, name)).update?.phase).toBeDefined();
      const started = await run(home, recipes, ['start', name]);
      expect(started.code, started.stderr).toBe(0);
      const rec = await record(home, name);
      expect(rec.update).toBeUndefined();
      expect(['1.0.0', '1.1.0']).toContain(rec.stackVersion);
      expect((await webEnv(name)).APP_RELEASE).toBe(rec.stackVersion === '1.1.0' ? '1.1.0' : undefined);
      expect(await notes(name)).toBe(before);
      await noStrays(home, name);
    },
  );
});

describe('bad input changes nothing', () => {
  it('refuses an unknown release, a downgrade, a missing passphrase, a stopped Docker, a small disk and an image that cannot be pulled', async () => {
    const { home, name, recipes } = await instance('upbad', 'missing-image');
    const snapshot = async () => ({
      record: await readFile(path.join(home, 'instances', `${name}.json`), 'utf8'),
      volumes: (await labelled(`engawa-${name}`)).volumes.sort(),
    });
    const was = await snapshot();
    const expectRefused = async (args: string[], env: Record<string, string>, pattern: RegExp) => {
      const r = await run(home, recipes, args, env);
      expect(r.code, r.stdout).not.toBe(0);
      expect(r.stderr).toMatch(pattern);
      expect(await snapshot()).toEqual(was);
    };
    await expectRefused(['update', name, '--to', '9.9.9'], {}, /no release "9\.9\.9"/);
    await expectRefused(['update', name], { ENGAWA_BACKUP_PASSPHRASE: '' }, /passphrase/);
    await expectRefused(['update', name], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, /Docker/);
    const small = await mkdtemp(path.join(os.tmpdir(), 'engawa-small-'));
    await sh('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small]);
    try {
      await expectRefused(['update', name, '--backup-dir', small], {}, /not enough free space|room/);
    } finally {
      await sh('umount', [small]).catch(() => undefined);
      await rm(small, { recursive: true, force: true });
    }
    await expectRefused(['update', name], {}, /no-such-image|not found|cannot be (pulled|downloaded)|registry/i);
    expect((await run(home, recipes, ['backups', name, '--json'])).stdout).toBe('[]\n');
  });

  it('a second update while one runs is refused as busy', async () => {
    const { home, name, recipes } = await instance('upbusy', 'ok');
    const [a, b] = await Promise.all([run(home, recipes, ['update', name]), run(home, recipes, ['update', name])]);
    expect([a.code, b.code].sort()).toEqual([0, 1]);
    expect((a.code === 1 ? a : b).stderr).toMatch(/busy|another|in progress/i);
    expect((await record(home, name)).stackVersion).toBe('1.1.0');
    const down = await run(home, recipes, ['update', name, '--to', '1.0.0']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/never goes back.*rollback/);
  });
});

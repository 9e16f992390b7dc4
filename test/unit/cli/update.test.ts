/**
 * The update commands on the command line, in-process against an in-memory engine and a temporary
 * home: `stacks --json` lists the releases, `create --version` makes a server on an older one,
 * `updates` says what an update would do, `update` refuses bad targets and a missing passphrase
 * before touching Docker, `rollback` shows what would be lost and wants --yes, `update-confirm`
 * drops the rollback offer, and `start` finishes an interrupted update. A recipe with three
 * releases (1.0.0 → 1.5.0 → 2.0.0, the last a security release moving the database's data) is
 * written from the test stack. Running a whole update needs Docker: see the integration tests.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../electron/core/cli/run';
import { rollbackPreviewLines } from '../../../electron/core/cli/update';
import { TEST_HOOK_VARIABLES, withoutTestHooks } from '../../../electron/core/api/wiring';
import { keepPassphrase, keptPassphrase } from '../../../electron/core/backup/passphrase';
import { FileSecretStore, type InstanceRecord } from '../../../electron/core/instances';
import type { Plan } from '../../../electron/core/plan/types';
import type { UpdateInfo } from '../../../electron/core/update';
import { FakeEngine } from '../instances/fake-engine';

const REPO = path.resolve(import.meta.dirname, '../../..');
const PASS = 'correct horse battery staple';
const NOTES = (v: string) => `https://example.com/releases/${v}`;

let fixtures: string;
let recipeFile: string;
let home: string;
let engine: FakeEngine;
let out = '';
let err = '';

/** No Docker client in unit tests: whatever streams through it fails (a rollback preview then counts nothing). */
const noDocker = {
  listContainers: () => Promise.reject(new Error('no Docker in unit tests')),
  getContainer: () => {
    throw new Error('no Docker in unit tests');
  },
} as unknown as Dockerode;

const cli = (args: string[], env: Record<string, string> = {}): Promise<number> => {
  out = '';
  err = '';
  return runCli(args, {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    env: { ENGAWA_HOME: home, ENGAWA_RECIPES: recipeFile, ...env },
    engine: async () => engine,
    docker: async () => noDocker,
  });
};

const recordFile = (name: string) => path.join(home, 'instances', `${name}.json`);
const readRecord = async (name: string) => JSON.parse(await readFile(recordFile(name), 'utf8')) as InstanceRecord;
const editRecord = async (name: string, change: (r: InstanceRecord) => InstanceRecord) => {
  await writeFile(recordFile(name), JSON.stringify(change(await readRecord(name)), null, 2));
};

beforeAll(async () => {
  fixtures = await mkdtemp(path.join(os.tmpdir(), 'engawa-cli-update-recipe-'));
  const base = JSON.parse(await readFile(path.join(REPO, 'test/fixtures/recipes/test-web.json'), 'utf8')) as {
    version: string;
    services: { name: string; image: string }[];
    releases?: unknown[];
  };
  base.version = '2.0.0';
  for (const s of base.services) if (s.name === 'db') s.image = 'docker.io/library/postgres:17';
  for (const s of base.services) if (s.name === 'web') s.image = 'docker.io/library/busybox:1.37';
  base.releases = [
    { version: '2.0.0', security: true, notesUrl: NOTES('2.0.0'), from: ['1.5.0'], dataMoves: ['db'], downloadMiB: 100 },
    {
      version: '1.5.0',
      notesUrl: NOTES('1.5.0'),
      downloadMiB: 20,
      services: { db: { image: 'docker.io/library/postgres:15' } },
    },
    { version: '1.0.0', services: { db: { image: 'docker.io/library/postgres:15' }, web: { image: 'docker.io/library/busybox:1.36' } } },
  ];
  recipeFile = path.join(fixtures, 'test-web.json');
  await writeFile(recipeFile, JSON.stringify(base));
});
afterAll(() => rm(fixtures, { recursive: true, force: true }));

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-cli-update-'));
  engine = new FakeEngine();
});
afterEach(() => rm(home, { recursive: true, force: true }));

async function createOn(name: string, version?: string, env: Record<string, string> = {}): Promise<void> {
  const code = await cli(['create', 'test-web', '--name', name, '--domain', `${name}.example.com`, ...(version ? ['--version', version] : []), '--json'], env);
  expect(code, err).toBe(0);
}

describe('engawa stacks --json', () => {
  it('lists each stack releases, newest first, with security, notes and what they update from', async () => {
    expect(await cli(['stacks', '--json']), err).toBe(0);
    const stacks = JSON.parse(out) as { id: string; version: string; releases: { version: string; security: boolean; notesUrl?: string; from?: string[] }[] }[];
    const test = stacks.find((s) => s.id === 'test-web');
    expect(test?.releases).toEqual([
      { version: '2.0.0', security: true, notesUrl: NOTES('2.0.0'), from: ['1.5.0'] },
      { version: '1.5.0', security: false, notesUrl: NOTES('1.5.0') },
      { version: '1.0.0', security: false },
    ]);
    // a stack without a list has one release: its own version
    for (const s of stacks) expect(s.releases[0]?.version, s.id).toBe(s.version);
  });
});

describe('engawa create --version', () => {
  it('creates the server on the older release asked for, with that release images', async () => {
    await createOn('old', '1.0.0');
    expect((await readRecord('old')).stackVersion).toBe('1.0.0');
    const [[plan]] = engine.callsOf('apply') as [[Plan]];
    expect(plan.services.find((s) => s.name === 'web')?.image).toBe('docker.io/library/busybox:1.36');
  });

  it('refuses a release the stack does not have, naming the ones it has', async () => {
    expect(await cli(['create', 'test-web', '--name', 'bad', '--domain', 'bad.example.com', '--version', '0.9.0'])).toBe(1);
    expect(err).toMatch(/no release "0\.9\.0".*2\.0\.0, 1\.5\.0, 1\.0\.0/);
    expect(engine.callsOf('apply')).toEqual([]);
  });
});

describe('engawa updates', () => {
  it('--json: the path, each step (security, notes, services, data moves) and the cost', async () => {
    await createOn('mysrv', '1.0.0');
    expect(await cli(['updates', 'mysrv', '--json']), err).toBe(0);
    const info = JSON.parse(out) as UpdateInfo;
    expect(info).toMatchObject({ name: 'mysrv', stack: 'test-web', current: '1.0.0', target: '2.0.0', newest: '2.0.0', security: true });
    expect(info.steps).toEqual([
      { from: '1.0.0', to: '1.5.0', security: false, notesUrl: NOTES('1.5.0'), services: ['web'], dataMoves: [] },
      { from: '1.5.0', to: '2.0.0', security: true, notesUrl: NOTES('2.0.0'), services: ['db'], dataMoves: ['db'] },
    ]);
    expect(info.downloadBytes).toBe(120 * 1024 * 1024);
    expect(info.downtimeS).toBeGreaterThan(0);
    expect(info.unfinished).toBeUndefined();
    expect(info.rollback).toBeUndefined();
  });

  it('without a name: every server, one line each (an update, or up to date)', async () => {
    await createOn('mysrv', '1.0.0');
    await createOn('newer');
    expect(await cli(['updates']), err).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^mysrv: test-web 1\.0\.0 → 1\.5\.0 → 2\.0\.0 \(security\) — notes https:\/\/example\.com\/releases\/1\.5\.0 https:\/\/example\.com\/releases\/2\.0\.0 — about 120 MB to download/,
    );
    expect(lines[0]).toMatch(/the data of db moves/);
    expect(lines[1]).toBe('newer: test-web 2.0.0, up to date');
    expect(await cli(['updates', '--json']), err).toBe(0);
    expect((JSON.parse(out) as UpdateInfo[]).map((i) => [i.name, i.target])).toEqual([
      ['mysrv', '2.0.0'],
      ['newer', undefined],
    ]);
  });

  it('a server on a release this Engawa does not know is reported on its line, the others still listed', async () => {
    await createOn('mysrv', '1.0.0');
    await createOn('odd', '1.0.0');
    await editRecord('odd', (r) => ({ ...r, stackVersion: '0.1.0' }));
    expect(await cli(['updates', '--json']), err).toBe(0);
    const list = JSON.parse(out) as ({ name: string; target?: string } | { name: string; error: { code: string; message: string } })[];
    expect(list[0]).toMatchObject({ name: 'mysrv', target: '2.0.0' });
    expect(list[1]).toMatchObject({ name: 'odd', error: { code: 'NOT_FOUND' } });
    expect(await cli(['updates']), err).toBe(0);
    expect(out).toMatch(/^odd: cannot tell \(.*0\.1\.0/m);
  });

  it('says when an update was interrupted and when a rollback is offered', async () => {
    await createOn('mysrv', '1.0.0');
    await editRecord('mysrv', (r) => ({
      ...r,
      update: { from: '1.0.0', stepFrom: '1.0.0', to: '1.5.0', target: '2.0.0', phase: 'switching', startedAt: new Date().toISOString(), backup: '/b/x.age' },
      lastUpdate: { from: '0.9.0', to: '1.0.0', at: '2024-01-01T00:00:00.000Z', backup: '/b/old.age', downtimeMs: 1000 },
    }));
    expect(await cli(['updates', 'mysrv', '--json']), err).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      unfinished: { to: '2.0.0', phase: 'switching' },
      rollback: { to: '0.9.0', backup: '/b/old.age', at: '2024-01-01T00:00:00.000Z' },
    });
    expect(await cli(['updates', 'mysrv']), err).toBe(0);
    expect(out).toMatch(
      /^mysrv: an update to 2\.0\.0 was interrupted \(switching\); "engawa update mysrv" or "engawa start mysrv" finishes it; "engawa rollback mysrv" goes back to 0\.9\.0\n$/,
    );
  });
});

describe('engawa update', () => {
  it('refuses an unknown --to, and a downgrade, before asking for a passphrase', async () => {
    await createOn('mysrv', '1.5.0');
    expect(await cli(['update', 'mysrv', '--to', '3.0.0'])).toBe(1);
    expect(err).toMatch(/has no release "3\.0\.0" Engawa can update to; it knows 2\.0\.0, 1\.5\.0, 1\.0\.0/);
    expect(await cli(['update', 'mysrv', '--to', '1.0.0', '--json'])).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(err).toMatch(/runs 1\.5\.0, newer than 1\.0\.0: an update never goes back.*rollback/);
  });

  it('refuses a release that cannot be reached, and says the newest cannot be reached', async () => {
    // releases that each update only from one other: from 1.0.0 none of the newer ones is reachable
    const recipe = JSON.parse(await readFile(recipeFile, 'utf8')) as Record<string, unknown>;
    const stranded = path.join(fixtures, 'stranded.json');
    await writeFile(
      stranded,
      JSON.stringify({
        ...recipe,
        releases: [
          { version: '2.0.0', from: ['1.5.0'] },
          { version: '1.5.0', from: ['1.2.0'] },
          { version: '1.2.0', from: ['0.5.0'] },
          { version: '1.0.0' },
          { version: '0.5.0' },
        ],
      }),
    );
    const env = { ENGAWA_RECIPES: stranded };
    await createOn('mysrv', '1.0.0', env);
    expect(await cli(['update', 'mysrv', '--to', '2.0.0'], env)).toBe(1);
    expect(err).toMatch(/"mysrv" cannot update from 1\.0\.0 to 2\.0\.0 with this Engawa\./);
    expect(await cli(['updates', 'mysrv'], env), err).toBe(0);
    expect(out).toBe('mysrv: test-web 1.0.0, up to date (2.0.0 cannot be reached from 1.0.0 with this Engawa)\n');
  });

  it('says "up to date" without a passphrase or Docker', async () => {
    await createOn('mysrv');
    const calls = engine.calls.length;
    expect(await cli(['update', 'mysrv']), err).toBe(0);
    expect(out).toBe('"mysrv" is up to date (test-web 2.0.0).\n');
    expect(await cli(['update', 'mysrv', '--json']), err).toBe(0);
    expect(JSON.parse(out)).toEqual({ name: 'mysrv', from: '2.0.0', to: '2.0.0', updated: false, steps: [], downtimeMs: 0 });
    expect(engine.calls.length).toBe(calls);
  });

  it('needs a passphrase: a usage error says how to give one, and a short one is refused', async () => {
    await createOn('mysrv', '1.0.0');
    expect(await cli(['update', 'mysrv'])).toBe(2);
    expect(err).toMatch(/needs a backup passphrase: give it with --passphrase-file FILE \(or ENGAWA_BACKUP_PASSPHRASE\)/);
    expect(await cli(['update', 'mysrv'], { ENGAWA_BACKUP_PASSPHRASE: 'short' })).toBe(2);
    expect(err).toMatch(/at least 12 characters/);
    expect(await cli(['update', 'mysrv', '--passphrase-file', path.join(home, 'missing')])).toBe(2);
    expect(err).toMatch(/Cannot read --passphrase-file/);
    expect((await readRecord('mysrv')).update).toBeUndefined();
  });

  it('refuses an ENGAWA_TEST_KILL_AT that names no point of an update, and the packaged app drops the variable', async () => {
    await createOn('mysrv', '1.0.0');
    expect(await cli(['update', 'mysrv'], { ENGAWA_BACKUP_PASSPHRASE: PASS, ENGAWA_TEST_KILL_AT: 'halfway' })).toBe(2);
    expect(err).toMatch(/ENGAWA_TEST_KILL_AT must be one of pulled, backup-written, backed-up, pre-upgrade, switched, post-upgrade, not "halfway"/);
    expect((await readRecord('mysrv')).update).toBeUndefined();
    expect(TEST_HOOK_VARIABLES).toContain('ENGAWA_TEST_KILL_AT');
    expect(withoutTestHooks({ ENGAWA_TEST_KILL_AT: 'pulled', HOME: '/h' })).toEqual({ HOME: '/h' });
  });

  it('parses --to, --backup-dir and --passphrase-file, and nothing else', async () => {
    expect(await cli(['update'])).toBe(2);
    expect(err).toMatch(/"engawa update" needs <name>/);
    expect(await cli(['update', 'mysrv', '--yes'])).toBe(2);
    expect(err).toMatch(/--yes/);
    expect(await cli(['update', 'nobody', '--to', '2.0.0', '--backup-dir', home, '--passphrase-file', 'x'])).toBe(1);
    expect(err).toMatch(/nobody/);
  });
});

describe('engawa rollback', () => {
  async function updated(): Promise<void> {
    await createOn('mysrv');
    await editRecord('mysrv', (r) => ({
      ...r,
      lastUpdate: {
        from: '1.5.0',
        to: '2.0.0',
        at: '2024-05-01T10:05:00.000Z',
        backup: path.join(home, 'backups', 'mysrv-x.engawa.age'),
        downtimeMs: 12_000,
        backupAt: '2024-05-01T10:00:00.000Z',
        tables: { 'db/notes': 5 },
      },
    }));
  }

  it('shows what going back would do and refuses without --yes, changing nothing', async () => {
    await updated();
    const before = await readFile(recordFile('mysrv'), 'utf8');
    expect(await cli(['rollback', 'mysrv'])).toBe(2);
    expect(out).toMatch(
      /^"mysrv" would go back from 2\.0\.0 to 1\.5\.0, with the data of the backup made 2024-05-01T10:00:00\.000Z \(mysrv-x\.engawa\.age\)\.\n {2}db\/notes: 5 rows then, now unknown\n$/,
    );
    expect(err).toMatch(/Nothing was changed\. Run "engawa rollback mysrv --yes" to go back to 1\.5\.0\./);
    expect(await cli(['rollback', 'mysrv', '--json'])).toBe(2);
    expect(JSON.parse(out)).toEqual({
      name: 'mysrv',
      current: '2.0.0',
      to: '1.5.0',
      backup: path.join(home, 'backups', 'mysrv-x.engawa.age'),
      backupAt: '2024-05-01T10:00:00.000Z',
      since: [{ table: 'db/notes', then: 5, now: -1 }],
    });
    expect(await readFile(recordFile('mysrv'), 'utf8')).toBe(before);
  });

  it('--yes needs a passphrase (usage error first), and a server never updated has nothing to go back to', async () => {
    await updated();
    expect(await cli(['rollback', 'mysrv', '--yes'])).toBe(2);
    expect(err).toMatch(/needs a backup passphrase/);
    await createOn('plain');
    expect(await cli(['rollback', 'plain'])).toBe(1);
    expect(err).toMatch(/"plain" has no update to go back from/);
  });

  it('counts the rows written since the backup as lost', () => {
    const lines = rollbackPreviewLines({
      name: 'mysrv',
      current: '2.0.0',
      to: '1.5.0',
      backup: '/b/mysrv-1.engawa.age',
      backupAt: '2024-05-01T10:00:00.000Z',
      since: [
        { table: 'db/notes', then: 5, now: 12 },
        { table: 'db/posts', then: 1, now: 2 },
        { table: 'db/users', then: 3, now: 3 },
      ],
    });
    expect(lines).toEqual([
      '"mysrv" would go back from 2.0.0 to 1.5.0, with the data of the backup made 2024-05-01T10:00:00.000Z (mysrv-1.engawa.age).',
      '  db/notes: 5 rows then, 12 now — 7 rows written since the backup will be lost',
      '  db/posts: 1 row then, 2 now — 1 row written since the backup will be lost',
      '  db/users: 3 rows then, 3 now',
    ]);
  });
});

describe('engawa update-confirm', () => {
  it('drops the rollback offer and says what it removed; a second confirm has nothing to confirm', async () => {
    await createOn('mysrv');
    const backup = path.join(home, 'mysrv-x.engawa.age');
    await writeFile(`${backup}.keep.json`, JSON.stringify({ reason: 'before-update', from: '1.5.0', to: '2.0.0' }));
    await editRecord('mysrv', (r) => ({ ...r, lastUpdate: { from: '1.5.0', to: '2.0.0', at: new Date().toISOString(), backup, downtimeMs: 1 } }));
    expect(await cli(['update-confirm', 'mysrv']), err).toBe(0);
    expect(out).toMatch(/^Kept the update of "mysrv" to 2\.0\.0: it can no longer go back to 1\.5\.0\.\n/);
    expect(out).toMatch(/mysrv-x\.engawa\.age/);
    expect((await readRecord('mysrv')).lastUpdate).toBeUndefined();
    await expect(readFile(`${backup}.keep.json`)).rejects.toThrow(/ENOENT/);
    expect(await cli(['update-confirm', 'mysrv', '--json'])).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ ok: false, error: { code: 'STATE', message: '"mysrv" has no update to confirm.' } });
  });
});

describe('engawa start', () => {
  it('starts a server with no update in progress without any passphrase', async () => {
    await createOn('mysrv');
    expect(await cli(['stop', 'mysrv']), err).toBe(0);
    expect(await cli(['start', 'mysrv', '--json']), err).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ name: 'mysrv', state: 'running' });
    expect(engine.callsOf('start')).toHaveLength(1);
  });

  it('finishes an update interrupted before it changed anything: back on its release, the marker gone', async () => {
    await createOn('mysrv', '1.0.0');
    await editRecord('mysrv', (r) => ({
      ...r,
      update: { from: '1.0.0', stepFrom: '1.0.0', to: '1.5.0', target: '2.0.0', phase: 'pulling', startedAt: new Date().toISOString() },
    }));
    const applied = engine.callsOf('apply').length;
    expect(await cli(['start', 'mysrv']), err).toBe(0);
    expect(err).toMatch(/An update to 2\.0\.0 was interrupted \(pulling\)/);
    const record = await readRecord('mysrv');
    expect(record.update).toBeUndefined();
    expect(record.stackVersion).toBe('1.0.0');
    const plans = engine.callsOf('apply').slice(applied) as [Plan][];
    expect(plans).toHaveLength(1);
    expect(plans[0]?.[0].services.find((s) => s.name === 'web')?.image).toBe('docker.io/library/busybox:1.36');
    expect(out).toMatch(/mysrv \(test-web\) — running/);
  });

  it('gives a rollback it resumes the passphrase given or kept, and never asks for one itself', async () => {
    await createOn('mysrv', '1.5.0');
    const backup = path.join(home, 'backups', 'mysrv-gone.engawa.age');
    await editRecord('mysrv', (r) => ({
      ...r,
      update: {
        from: '1.5.0',
        stepFrom: '1.5.0',
        to: '2.0.0',
        target: '2.0.0',
        phase: 'rolling-back',
        startedAt: new Date().toISOString(),
        backup,
        failure: 'db did not start.',
      },
    }));
    // without a passphrase the update layer says going back needs one (the CLI does not refuse first)
    expect(await cli(['start', 'mysrv'])).toBe(1);
    expect(err).toMatch(/going back needs the passphrase of the backup made before it/);
    expect(await cli(['start', 'mysrv', '--passphrase-file', path.join(home, 'missing')])).toBe(2);
    expect(err).toMatch(/Cannot read --passphrase-file/);
    // with the kept one it goes on to read the backup (here gone, so going back fails and says so)
    await keepPassphrase(new FileSecretStore(home), 'mysrv', PASS);
    expect(await cli(['start', 'mysrv'])).toBe(1);
    expect(err).toMatch(/going back to 1\.5\.0 failed too/);
    expect(err).not.toContain(PASS);
  });
});

describe('engawa update-policy', () => {
  it('announces by default, installs security releases at the hour given, and refuses a bad hour', async () => {
    expect(await cli(['create', 'test-web', '--name', 'pol', '--domain', 'pol.example.com', '--version', '1.0.0'])).toBe(0);
    expect(await cli(['update-policy', 'pol', '--json'])).toBe(0);
    expect(JSON.parse(out)).toEqual({ instance: 'pol', mode: 'notify' });
    // an automatic update backs up first: without a kept passphrase it needs one, and keeps it
    expect(await cli(['update-policy', 'pol', '--auto-security', '04:30'])).toBe(2);
    expect(err).toMatch(/give the backup passphrase once with --passphrase-file FILE/);
    expect(await cli(['update-policy', 'pol', '--auto-security', '25:00'])).toBe(1);
    expect(err).toMatch(/00:00 to 23:59/);
    expect(await cli(['update-policy', 'pol', '--json'])).toBe(0);
    expect(JSON.parse(out)).toEqual({ instance: 'pol', mode: 'notify' });
    const file = path.join(home, 'pass.txt');
    await writeFile(file, PASS);
    expect(await cli(['update-policy', 'pol', '--auto-security', '04:30', '--passphrase-file', file])).toBe(0);
    expect(out).toMatch(/installed by themselves at 04:30/);
    expect(await keptPassphrase(new FileSecretStore(home), 'pol')).toBe(PASS);
    await rm(file);
    expect(await cli(['update-policy', 'pol', '--auto-security', '05:00'])).toBe(0);
    expect(await cli(['update-policy', 'pol', '--json'])).toBe(0);
    expect(JSON.parse(out)).toEqual({ instance: 'pol', mode: 'auto-security', at: '05:00' });
    expect(await cli(['update-policy', 'pol', '--notify', '--auto-security', '04:30'])).toBe(2);
    expect(await cli(['update-policy', 'pol', '--notify'])).toBe(0);
    expect(out).toMatch(/nothing is installed by itself/);
  });
});

describe('a release this Engawa no longer knows', () => {
  it('start refuses with a clear message; stop and export still work', async () => {
    await createOn('gone', '1.0.0');
    await editRecord('gone', (r) => ({ ...r, stackVersion: '0.9.0' }));
    expect(await cli(['start', 'gone'])).toBe(1);
    expect(err).toMatch(/"gone" runs .* 0\.9\.0, a release this version of Engawa does not know \(it knows 2\.0\.0, 1\.5\.0, 1\.0\.0\)/);
    expect(await cli(['stop', 'gone']), err).toBe(0);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'engawa-exp-'));
    try {
      expect(await cli(['export', 'gone', '--compose', dir]), err).toBe(0);
      expect(out).toMatch(/Wrote a docker-compose project/);
      const { readdir } = await import('node:fs/promises');
      const files = await readdir(dir);
      const compose = files.find((f) => /compose.*\.ya?ml$/.test(f)) as string;
      expect(await readFile(path.join(dir, compose), 'utf8')).toMatch(/services:/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(await cli(['updates', 'gone'])).not.toBe(0);
    expect(err).toMatch(/0\.9\.0/);
  });
});

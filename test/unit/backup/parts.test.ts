/** The smaller parts of backups: manifest checks, what a backup holds, probes, file names and retention, versions. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupContents } from '../../../electron/core/backup/contents';
import { assertFreeSpace, backupFileName, drillFile, listBackups, pruneBackups } from '../../../electron/core/backup/files';
import { APP_VERSION, checkManifest } from '../../../electron/core/backup/manifest';
import { compareProbes, probeRanges } from '../../../electron/core/backup/probes';
import { compareVersions, recipeFor } from '../../../electron/core/backup/verify';
import { isEngawaError } from '../../../electron/core/util/errors';
import { assertRecipe } from '../../../electron/core/stacks/assert-recipe';
import { plan } from '../../../electron/core/stacks/plan';
import { getRecipe } from '../../../electron/core/stacks/registry';
import { generateSecrets } from '../../../electron/core/stacks/secrets';
import type { Recipe } from '../../../electron/core/stacks/types';
import { entryFor, manifestOf } from './raw-archive';

const REPO = path.resolve(import.meta.dirname, '../../..');
const testRecipe = async (): Promise<Recipe> => assertRecipe(JSON.parse(await readFile(path.join(REPO, 'test/fixtures/recipes/test-web.json'), 'utf8')));
const planOf = (r: Recipe) => plan(r, { instance: 'x', domain: 'x.example.com', secrets: generateSecrets(r, {}) });

describe('manifest', () => {
  const ok = manifestOf([entryFor('secrets.json', 'secrets', Buffer.from('{}'))]);

  it('carries the app version of package.json', async () => {
    const pkg = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(APP_VERSION).toBe(pkg.version);
  });

  it('accepts a valid manifest, with whitespace padding', () => {
    expect(checkManifest(JSON.stringify(ok) + ' '.repeat(1000))).toEqual(ok);
  });

  it.each([
    ['not JSON', 'nope', /not JSON/],
    ['another format', JSON.stringify({ ...ok, format: 'zip' }), /not an Engawa backup manifest/],
    ['a newer format', JSON.stringify({ ...ok, formatVersion: 7, app: { version: '3.1.0' } }), /made by Engawa 3\.1\.0 in a newer format \(7\); update Engawa/],
    ['no secrets entry', JSON.stringify({ ...ok, entries: [] }), /no secrets entry/],
    ['a bad checksum', JSON.stringify({ ...ok, entries: [{ ...ok.entries[0], sha256: 'abc' }] }), /bad checksum/],
    ['an entry twice', JSON.stringify({ ...ok, entries: [ok.entries[0], ok.entries[0]] }), /listed twice/],
  ])('refuses %s', (_label, text, message) => {
    expect(() => checkManifest(text)).toThrow(message);
  });
});

describe('what a backup holds', () => {
  it('dumps the test stack database instead of copying its files, and leaves the cache out unless asked', async () => {
    const r = await testRecipe();
    const c = backupContents(r, planOf(r));
    expect(c.databases.map((d) => [d.service.name, d.spec.db])).toEqual([['db', 'app']]);
    expect(c.volumes.map((v) => v.key)).toEqual(['redis']);
    expect(c.excluded.map((x) => [x.volume.key, x.reason])).toEqual([['cache', 'cache']]);
    expect(backupContents(r, planOf(r), { includeCache: true }).volumes.map((v) => v.key)).toEqual(['redis', 'cache']);
  });

  it.each([
    ['mastodon', ['db'], ['redis-data', 'uploads'], ['media-cache'], []],
    ['misskey', ['db'], ['redis-data', 'files'], [], []],
    ['bluesky', [], ['data'], [], ['pds']],
  ])('%s: databases %j, volumes %j, left out %j, stopped %j', (id, dbs, vols, left, stop) => {
    const r = getRecipe(id);
    const c = backupContents(r, planOf(r));
    expect(c.databases.map((d) => d.service.name)).toEqual(dbs);
    expect(c.volumes.map((v) => v.key)).toEqual(vols);
    expect(c.excluded.filter((x) => x.reason === 'cache').map((x) => x.volume.key)).toEqual(left);
    expect(c.stop).toEqual(stop);
  });

  it('plans a restored generation of volumes under the names the record gives', async () => {
    const r = await testRecipe();
    const p = plan(r, { instance: 'x', domain: 'x.example.com', secrets: generateSecrets(r, {}), volumeNames: { db: 'engawa-x_db-r1' } });
    expect(p.volumes.map((v) => [v.key, v.name])).toEqual([
      ['db', 'engawa-x_db-r1'],
      ['redis', 'engawa-x_redis'],
      ['cache', 'engawa-x_cache'],
    ]);
    expect(p.services.find((s) => s.name === 'db')?.mounts[0]?.source).toBe('engawa-x_db-r1');
  });

  it('rejects a backup description naming an unknown service', async () => {
    const r = await testRecipe();
    const broken = { ...r, backup: { stopServices: ['nope'] } };
    expect(() => backupContents(broken, planOf(r))).toThrow(/no service "nope"/);
  });

  it('checks the backup field of recipes read from JSON', async () => {
    const r = await testRecipe();
    expect(() => assertRecipe({ ...r, backup: { databases: [{ service: 'db', kind: 'mysql', user: 'a', db: 'b' }] } })).toThrow(/backup\.databases\[0\]\.kind/);
    expect(() => assertRecipe({ ...r, backup: { extra: true } })).toThrow(/backup\.extra: unknown field/);
  });
});

describe('probes', () => {
  const acct = (head: string, records: number, blobs: number) => ({ head, records, blobs });

  it('keeps the range between the counts before and after the data was taken', () => {
    const r = probeRanges(
      { tables: { 'db/notes': 5, 'db/gone': -1 }, pds: { accounts: { 'did:plc:a': acct('h1', 3, 1) }, sample: { uri: 'at://a/b/c', cid: 'x' } } },
      { tables: { 'db/notes': 7 }, pds: { accounts: { 'did:plc:a': acct('h2', 4, 1) } } },
    );
    expect(r).toEqual({
      tables: { 'db/notes': [5, 7], 'db/gone': [-1, -1] },
      pds: { accounts: { 'did:plc:a': { heads: ['h1', 'h2'], records: [3, 4], blobs: [1, 1] } }, sample: { uri: 'at://a/b/c', cid: 'x' } },
    });
  });

  it('reports missing tables, counts outside the range, other commits, missing accounts and unreadable data', () => {
    const sample = { uri: 'at://a/b/c', cid: 'x', blob: { did: 'did:plc:a', cid: 'b', bytes: 70 } };
    const expected = {
      tables: { 'db/notes': [5, 7] as [number, number], 'db/users': [2, 2] as [number, number] },
      pds: {
        accounts: {
          'did:plc:a': { heads: ['h1'], records: [3, 3] as [number, number], blobs: [1, 1] as [number, number] },
          'did:plc:b': { heads: ['h9'], records: [0, 0] as [number, number], blobs: [0, 0] as [number, number] },
        },
        sample,
      },
    };
    const same = { tables: { 'db/notes': 6, 'db/users': 2 }, pds: { accounts: { 'did:plc:a': acct('h1', 3, 1), 'did:plc:b': acct('h9', 0, 0) }, sample } };
    expect(compareProbes(expected, same)).toEqual([]);
    expect(
      compareProbes(expected, {
        tables: { 'db/notes': 0, 'db/users': -1 },
        pds: { accounts: { 'did:plc:a': acct('h0', 2, 0) }, sample: { uri: 'at://a/b/c', cid: 'y' } },
      }),
    ).toEqual([
      'the table db/notes has 0 rows instead of 5 to 7',
      'the table db/users is missing',
      'the repository of did:plc:a is not at the commit it was backed up at',
      'the account did:plc:a has 2 records instead of 3',
      'the account did:plc:a has 0 images and files instead of 1',
      'the account did:plc:b is missing',
      'the record at://a/b/c cannot be read back',
      'the file b of did:plc:a cannot be read back',
    ]);
  });
});

describe('backup files', () => {
  let dir: string;
  beforeEach(async () => void (dir = await mkdtemp(path.join(os.tmpdir(), 'engawa-files-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('names, lists newest first with drill results, and keeps the newest N of one instance', async () => {
    const at = (h: number) => new Date(Date.UTC(2026, 0, 2, h, 3, 4, 5));
    for (const h of [1, 3, 2]) await writeFile(path.join(dir, backupFileName('my-pds', at(h))), 'x'.repeat(h));
    await writeFile(path.join(dir, backupFileName('my-pds-2', at(4))), 'x');
    await writeFile(path.join(dir, 'notes.txt'), 'x');
    expect(backupFileName('my-pds', at(1))).toBe('my-pds-20260102T010304005Z.engawa.age');
    const newest = path.join(dir, backupFileName('my-pds', at(3)));
    await writeFile(drillFile(newest), JSON.stringify({ at: 'now', ok: true, problems: [], durationMs: 1 }));
    const list = await listBackups(dir, 'my-pds');
    expect(list.map((b) => [b.at.getTime(), b.bytes, b.drill?.ok])).toEqual([
      [at(3).getTime(), 3, true],
      [at(2).getTime(), 2, undefined],
      [at(1).getTime(), 1, undefined],
    ]);
    expect(await pruneBackups(dir, 'my-pds', 1)).toEqual([path.join(dir, backupFileName('my-pds', at(2))), path.join(dir, backupFileName('my-pds', at(1)))]);
    expect((await listBackups(dir)).map((b) => b.instance).sort()).toEqual(['my-pds', 'my-pds-2']);
    expect(await listBackups(path.join(dir, 'missing'))).toEqual([]);
  });

  it('refuses a backup that needs more room than the folder has', async () => {
    await expect(assertFreeSpace(dir, 1)).resolves.toBeUndefined();
    const e = await assertFreeSpace(dir, Number.MAX_SAFE_INTEGER).catch((x: unknown) => x);
    expect(isEngawaError(e, 'DISK_FULL') && e.message).toMatch(/not enough free space/);
  });
});

describe('versions', () => {
  it.each([
    ['1.0.0', '1.0.0', 0],
    ['1.10.0', '1.9.9', 1],
    ['0.4.217', '0.4.219', -1],
    ['4.3', '4.3.0', 0],
  ])('%s vs %s → %i', (a, b, c) => expect(compareVersions(a, b)).toBe(c));

  it('refuses a backup of an unknown stack or of a newer stack version', () => {
    const recipes = { get: (id: string) => getRecipe(id), list: () => [] };
    const m = manifestOf([]);
    expect(() => recipeFor({ recipes }, { ...m, stack: { id: 'nope', version: '1' } })).toThrow(/"nope" server, which this version of Engawa does not know/);
    expect(() => recipeFor({ recipes }, { ...m, stack: { id: 'bluesky', version: '99.0.0' } })).toThrow(/newer than the .* this Engawa runs/);
  });
});

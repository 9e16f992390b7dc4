/**
 * "Restore a server from a backup file" in the API layer, with real backup files of the manager
 * tests' recipe and no Docker (the in-memory engine; a Docker stand-in that refuses every call):
 * the input schemas, `backups.inspect` saying what a file holds and changing nothing, each refusal
 * (wrong passphrase, not a backup, damaged, wrong name or path) with its reason and nothing
 * created, the tunnel credential a backup lacks (asked for, checked with the fake Cloudflare, kept
 * as the server's secret), and the file chooser seam.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type Dockerode from 'dockerode';
import type { ApiEventMessage, ApiResult, BackupPreview } from '../../../electron/shared/contract';
import { reviewTunnelSecrets, tunnelNeeds } from '../../../electron/core/api/backup-file';
import { createCore, type EngawaCore } from '../../../electron/core/api/create-core';
import { openSession, type Session } from '../../../electron/core/api/dispatch';
import { INPUT_SCHEMAS } from '../../../electron/core/api/schemas';
import { SettingsStore } from '../../../electron/core/api/settings';
import { ArchiveWriter } from '../../../electron/core/backup/archive-writer';
import { restoreBackup } from '../../../electron/core/backup/restore';
import { verifyBackup, type Verified } from '../../../electron/core/backup/verify';
import { InstanceManager } from '../../../electron/core/instances/manager';
import { MemorySecretStore } from '../../../electron/core/instances/secret-store';
import type { TunnelRecord } from '../../../electron/core/tunnel/types';
import { EngawaError } from '../../../electron/core/util/errors';
import { tarFiles, type TarEntry } from '../../../electron/core/util/tar-write';
import { FakeCloudflare } from '../../stubs/cloudflare/fake-api';
import { FakeEngine } from '../instances/fake-engine';
import { testRecipe, testRecipes } from '../instances/recipe';
import { manifestOf } from '../backup/raw-archive';
import { FAKE_INFO, waitForEvent } from './fake-core';

const PASS = 'correct horse battery';
const MADE = '2025-03-04T05:06:07.000Z';
const SECRETS = { db_password: 'p'.repeat(24), admin_password: 'a'.repeat(20) };
const API_TUNNEL: TunnelRecord = {
  mode: 'api',
  protocol: 'auto',
  publicHost: 'blog.restore.example',
  name: 'engawa-blog-abc123',
  zone: { id: 'zone-1', name: 'restore.example' },
  accountId: 'account-1',
  tunnelId: '11111111-2222-3333-4444-555555555555',
  hostnames: ['blog.restore.example'],
  dnsRecords: [],
};

/** A Docker connection that refuses every call: the restore gets no further than its checks. */
const noDocker = new Proxy(
  {},
  { get: (_t, prop) => (prop === 'then' ? undefined : () => Promise.reject(new EngawaError('ENGINE_UNREACHABLE', 'no Docker in unit tests'))) },
) as Dockerode;

let fake: FakeCloudflare;
let home: string;
let core: EngawaCore;
let secrets: MemorySecretStore;
let session: Session;
let events: ApiEventMessage[];
let chosen: string | null | undefined;

beforeAll(async () => {
  fake = await FakeCloudflare.start();
  fake.addZone('restore.example');
});
afterAll(async () => {
  await fake.close();
});

async function start(opts: { chooser?: boolean } = {}): Promise<void> {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-restore-file-'));
  const engine = new FakeEngine();
  const connect = async () => engine;
  const recipes = {
    get: (id: string) => {
      if (id !== testRecipe.id) throw new EngawaError('NOT_FOUND', `There is no stack "${id}".`);
      return testRecipe;
    },
    list: () => [testRecipe],
  };
  secrets = new MemorySecretStore();
  const manager = new InstanceManager({ home, engine: connect, secrets, recipes });
  core = createCore({
    services: { home, engine: connect, recipes, manager, secrets, tunnel: { cloudflare: { apiUrl: fake.url, retries: 0 } } },
    settings: await SettingsStore.open(home),
    info: FAKE_INFO,
    backups: { secrets, env: {}, docker: async () => noDocker, ...(opts.chooser === true && { chooseFile: async () => chosen ?? null }) },
  });
  events = [];
  session = openSession(core, (m) => events.push(m));
}

beforeEach(() => start());
afterEach(async () => {
  session.close();
  await core.ops.settled();
  await core.close();
  await rm(home, { recursive: true, force: true });
});

/** Writes a backup of "blog" (the manager tests' recipe) and returns its path. */
async function writeBackup(
  over: {
    tunnel?: TunnelRecord;
    secrets?: Record<string, string>;
    file?: string;
    big?: Buffer;
    overrides?: { service: string; key: string; value: string }[];
  } = {},
): Promise<string> {
  const file = path.join(home, over.file ?? 'blog-20250304T050607000Z.engawa.age');
  const w = await ArchiveWriter.create(file, PASS, { workFactor: 10 });
  const files: TarEntry[] = [{ path: './data/a', content: 'a row', mode: 0o644, uid: 0, gid: 0 }];
  if (over.big) files.push({ path: './data/big', content: over.big, mode: 0o644, uid: 0, gid: 0 });
  await w.add('secrets.json', 'secrets', Buffer.from(JSON.stringify(over.secrets ?? SECRETS))); // first, as Engawa writes them
  await w.add('volumes/db.tar', 'volume', tarFiles(files), 'db');
  const { entries: _e, ...m } = manifestOf([], {
    createdAt: MADE,
    stack: { id: testRecipe.id, version: testRecipe.version },
    instance: {
      name: 'blog',
      domain: 'blog.restore.example',
      createdAt: '2024-12-01T00:00:00.000Z',
      settings: {},
      overrides: over.overrides ?? [],
      ports: {},
      admin: { user: 'owner', email: 'owner@blog.restore.example' },
      ...(over.tunnel && { tunnel: over.tunnel }),
    },
  });
  await w.commit(m);
  return file;
}

const code = (r: ApiResult<unknown>) => (r.ok ? 'ok' : r.error.code);
const reason = (r: ApiResult<unknown>) => (r.ok ? 'ok' : r.error.details?.reason);

/** Nothing was made: no instance, no secrets, no operation, no file beside the backups. */
async function expectNothingCreated(files: string[]): Promise<void> {
  const list = await session.call('instances.list', undefined);
  expect(list.ok && list.value).toEqual([]);
  expect(await secrets.get('blog')).toEqual({});
  expect(core.ops.list()).toEqual([]);
  expect((await readdir(home)).filter((f) => !f.startsWith('settings')).sort()).toEqual(files.map((f) => path.basename(f)).sort());
}

async function restoreEnd(input: Record<string, unknown>): Promise<Extract<ApiEventMessage, { event: 'op.done' | 'op.failed' }>> {
  const started = await session.call('backups.restore', input);
  if (!started.ok) throw new Error(started.error.message);
  const { opId } = started.value as { opId: string };
  return waitForEvent(
    events,
    (m): m is Extract<ApiEventMessage, { event: 'op.done' | 'op.failed' }> => (m.event === 'op.done' || m.event === 'op.failed') && m.payload.opId === opId,
  );
}

/**
 * `backups.inspect` to its end: the preview its op.done gave this client, or why it was refused (at once, or as the
 * operation's failure), as one ApiResult.
 */
async function inspect(input: { file: string; passphrase: string }): Promise<ApiResult<BackupPreview>> {
  const started = await session.call('backups.inspect', input);
  if (!started.ok) return started;
  const { opId } = started.value as { opId: string };
  const end = await waitForEvent(
    events,
    (m): m is Extract<ApiEventMessage, { event: 'op.done' | 'op.failed' }> => (m.event === 'op.done' || m.event === 'op.failed') && m.payload.opId === opId,
  );
  expect(end.payload.op).toBe('inspect');
  if (end.event === 'op.failed') return { ok: false, error: end.payload.error };
  const preview = end.payload.result?.preview;
  if (preview === undefined) throw new Error('op.done without the preview');
  return { ok: true, value: preview };
}

describe('the schemas', () => {
  it('take a file and its passphrase for inspect, nothing for the chooser, and the restore’s new options', () => {
    const inspect = INPUT_SCHEMAS['backups.inspect'];
    expect(inspect.safeParse({ file: '/a.engawa.age', passphrase: 'x' }).success).toBe(true);
    for (const bad of [{ file: '/a.engawa.age' }, { passphrase: 'x' }, { file: '', passphrase: 'x' }, { file: '/a', passphrase: 'x', name: 'blog' }]) {
      expect(inspect.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(INPUT_SCHEMAS['backups.chooseFile'].safeParse(undefined).success).toBe(true);
    expect(INPUT_SCHEMAS['backups.chooseFile'].safeParse({}).success).toBe(false);
    const restore = INPUT_SCHEMAS['backups.restore'];
    expect(restore.safeParse({ file: '/a', passphrase: 'x', keepPassphrase: false, apiToken: 't', tunnelToken: 'u' }).success).toBe(true);
    expect(restore.safeParse({ file: '/a', keepPassphrase: 'no' }).success).toBe(false);
    expect(restore.safeParse({ file: '/a', apiToken: '   ' }).success).toBe(false);
  });
});

describe('backups.inspect', () => {
  it('says what the file holds after checking all of it, and changes nothing', async () => {
    const file = await writeBackup();
    const r = await inspect({ file, passphrase: PASS });
    expect(r.ok && r.value).toEqual({
      file,
      stack: testRecipe.id,
      stackName: testRecipe.name,
      stackVersion: '1.0.0',
      name: 'blog',
      domain: 'blog.restore.example',
      createdAt: MADE,
      bytes: (await readFile(file)).length,
      accounts: ['owner'],
      tunnel: 'none',
      publicUrl: null,
    } satisfies BackupPreview);
    await expectNothingCreated([file]);
    expect(JSON.stringify(events)).not.toContain(PASS);
  });

  it('refuses a wrong passphrase, a file that is not a backup, a damaged one, another name or a relative path, creating nothing', async () => {
    const good = await writeBackup();
    const notBackup = path.join(home, 'notes-20250101T000000000Z.engawa.age');
    await writeFile(notBackup, 'these are my notes, not a backup\n');
    const damaged = path.join(home, 'blog-20250101T000000000Z.engawa.age');
    const bytes = await readFile(good);
    bytes[bytes.length - 40] = (bytes[bytes.length - 40] ?? 0) ^ 0xff;
    await writeFile(damaged, bytes);
    const text = path.join(home, 'notes.txt');
    await writeFile(text, 'hello');

    const wrong = await inspect({ file: good, passphrase: 'not the passphrase' });
    expect([code(wrong), reason(wrong)]).toEqual(['INVALID_INPUT', 'passphrase']);
    const other = await inspect({ file: notBackup, passphrase: PASS });
    expect([code(other), reason(other)]).toEqual(['INVALID_INPUT', 'format']);
    const broken = await inspect({ file: damaged, passphrase: PASS });
    expect([code(broken), reason(broken)]).toEqual(['INVALID_INPUT', 'damaged']);
    const named = await inspect({ file: text, passphrase: PASS });
    expect([code(named), reason(named)]).toEqual(['INVALID_INPUT', 'file-name']);
    const relative = await inspect({ file: 'blog.engawa.age', passphrase: PASS });
    expect([code(relative), reason(relative)]).toEqual(['INVALID_INPUT', 'not-absolute']);
    const missing = await inspect({ file: path.join(home, 'gone-20250101T000000000Z.engawa.age'), passphrase: PASS });
    expect([code(missing), reason(missing)]).toEqual(['NOT_FOUND', 'no-file']);
    await expectNothingCreated([good, notBackup, damaged, text]);
  });
});

describe('the settings a backup asks to change', () => {
  it('are shown in the preview without their values: those a backup may change, and those left out for safety', async () => {
    const file = await writeBackup({
      overrides: [
        { service: 'web', key: 'GREETING', value: 'hello from the backup' },
        { service: 'web', key: 'NODE_OPTIONS', value: '--require /misskey/files/payload.js' },
        { service: 'db', key: 'SOMETHING_ELSE', value: 'x' },
      ],
    });
    const r = await inspect({ file, passphrase: PASS });
    expect(r.ok && r.value.overrides).toEqual([
      { service: 'web', key: 'GREETING', applied: true },
      { service: 'web', key: 'NODE_OPTIONS', applied: false, reason: 'denied' },
      { service: 'db', key: 'SOMETHING_ELSE', applied: false, reason: 'not-overridable' },
    ]);
    expect(JSON.stringify(r)).not.toContain('payload.js');
    expect(JSON.stringify(r)).not.toContain('hello from the backup');
  });
});

describe('backups.inspect as an operation', () => {
  it('shows the bytes it has checked, and stops when cancelled, having changed nothing', async () => {
    const file = await writeBackup({ big: randomBytes(24 * 1024 * 1024) });
    const started = await session.call('backups.inspect', { file, passphrase: PASS });
    if (!started.ok) throw new Error(started.error.message);
    const { opId } = started.value as { opId: string };
    expect(core.ops.list()).toMatchObject([{ opId, op: 'inspect', cancellable: true }]);
    const bytes = await waitForEvent(
      events,
      (m): m is Extract<ApiEventMessage, { event: 'op.progress' }> =>
        m.event === 'op.progress' && m.payload.opId === opId && m.payload.progress.kind === 'bytes',
    );
    expect(bytes.payload.progress).toMatchObject({ kind: 'bytes', step: 'Check the backup file' });
    expect((await session.call('ops.cancel', { opId })).ok).toBe(true);
    const end = await waitForEvent(
      events,
      (m): m is Extract<ApiEventMessage, { event: 'op.done' | 'op.failed' }> => (m.event === 'op.done' || m.event === 'op.failed') && m.payload.opId === opId,
    );
    expect(end).toMatchObject({ event: 'op.failed', payload: { op: 'inspect', error: { code: 'CANCELLED' } } });
    await expectNothingCreated([file]);
  });
});

describe('a backup whose tunnel lacks its Cloudflare API token', () => {
  const withoutApiToken = { ...SECRETS, tunnel_token: 'connector-token' };

  it('is shown as needing the token', async () => {
    const file = await writeBackup({ tunnel: API_TUNNEL, secrets: withoutApiToken });
    const r = await inspect({ file, passphrase: PASS });
    expect(r.ok && r.value).toMatchObject({ tunnel: 'api', publicUrl: 'https://blog.restore.example', tunnelNeeds: 'apiToken' });
    const full = await writeBackup({
      tunnel: API_TUNNEL,
      secrets: { ...withoutApiToken, cloudflare_api_token: 'x' },
      file: 'blog-20250305T000000000Z.engawa.age',
    });
    const complete = await inspect({ file: full, passphrase: PASS });
    expect(complete.ok && complete.value).not.toHaveProperty('tunnelNeeds');
  });

  it('is not restored as a new server without the token, nor with one that cannot manage the tunnel; nothing is created', async () => {
    const file = await writeBackup({ tunnel: API_TUNNEL, secrets: withoutApiToken });
    const without = await restoreEnd({ file, passphrase: PASS, keepPassphrase: false });
    expect(without.event).toBe('op.failed');
    expect(without.payload).toMatchObject({
      op: 'restore',
      instance: 'blog',
      error: { code: 'INVALID_INPUT', details: { reason: 'tunnel-token', path: 'apiToken' } },
    });

    const weak = fake.addToken(['zone']);
    const lacking = await restoreEnd({ file, passphrase: PASS, keepPassphrase: false, apiToken: weak });
    expect(lacking.payload).toMatchObject({ error: { code: 'INVALID_INPUT', details: { reason: 'tunnel-token', missing: ['tunnel', 'dns'] } } });
    expect(JSON.stringify(events)).not.toContain(weak);
    await expectNothingCreated([file]);
  });

  it('goes on past its checks with a token that can manage the tunnel (here, to a Docker that does not answer)', async () => {
    const file = await writeBackup({ tunnel: API_TUNNEL, secrets: withoutApiToken });
    const token = fake.addToken();
    const end = await restoreEnd({ file, passphrase: PASS, keepPassphrase: false, apiToken: token });
    expect(end.payload).toMatchObject({ error: { code: 'ENGINE_UNREACHABLE' } });
    expect(JSON.stringify(events)).not.toContain(token);
    expect(fake.changes()).toEqual([]);
  });

  it('keeps the given token as the server’s Cloudflare API token, as create does; a replaced server keeps its own', async () => {
    const file = await writeBackup({ tunnel: API_TUNNEL, secrets: withoutApiToken });
    const verified = await readVerified(file);
    expect(tunnelNeeds(verified.manifest, verified.secrets)).toBe('apiToken');
    const token = fake.addToken();
    const reviewed = await reviewTunnelSecrets({ apiToken: ` ${token} ` }, async () => undefined, { apiUrl: fake.url, retries: 0 })(verified);
    expect(reviewed.secrets).toEqual({ ...withoutApiToken, cloudflare_api_token: token });
    const kept = await reviewTunnelSecrets({}, async () => ({ cloudflare_api_token: 'the server’s own' }), {})(verified);
    expect(kept.secrets).toEqual(withoutApiToken); // the restore keeps the server's current credentials
  });

  it('is refused by the core restore itself (the path the CLI takes, with no token to give) as a new server; an older backup that carries the token goes on', async () => {
    const engine = new FakeEngine();
    const manager = new InstanceManager({ home, engine: async () => engine, secrets, recipes: testRecipes });
    const deps = { home, docker: noDocker, engine, manager, secrets, recipes: testRecipes };
    const file = await writeBackup({ tunnel: API_TUNNEL, secrets: withoutApiToken });
    await expect(restoreBackup(deps, file, { passphrase: PASS })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('backups leave it out'),
      details: { reason: 'tunnel-token', path: 'apiToken' },
    });
    await expectNothingCreated([file]);
    const old = await writeBackup({
      tunnel: API_TUNNEL,
      secrets: { ...withoutApiToken, cloudflare_api_token: 'x' },
      file: 'blog-20250305T000000000Z.engawa.age',
    });
    await expect(restoreBackup(deps, old, { passphrase: PASS })).rejects.toMatchObject({ code: 'ENGINE_UNREACHABLE' });
  });

  it('checks a token of the user’s own tunnel against the tunnel it was', async () => {
    const tunnel: TunnelRecord = { mode: 'token', protocol: 'auto', publicHost: 'blog.restore.example', tunnelId: API_TUNNEL.tunnelId as string };
    const file = await writeBackup({ tunnel, secrets: SECRETS });
    const verified = await readVerified(file);
    const token = (t: string) => Buffer.from(JSON.stringify({ a: 'account-1', t, s: 'c2VjcmV0' })).toString('base64');
    const review = (given: string) => reviewTunnelSecrets({ tunnelToken: given }, async () => undefined, {})(verified);
    expect((await review(token(tunnel.tunnelId))).secrets.tunnel_token).toBe(token(tunnel.tunnelId));
    await expect(review(token('99999999-2222-3333-4444-555555555555'))).rejects.toMatchObject({ details: { reason: 'tunnel-token' } });
  });
});

describe('backups.chooseFile', () => {
  it('answers STATE (no-file-dialog) where the shell gives no chooser', async () => {
    const r = await session.call('backups.chooseFile', undefined);
    expect([code(r), reason(r)]).toEqual(['STATE', 'no-file-dialog']);
  });

  it('answers the path the shell’s chooser gave, or null when the user cancelled', async () => {
    session.close();
    await core.close();
    await rm(home, { recursive: true, force: true });
    await start({ chooser: true });
    chosen = '/media/usb/blog-20250304T050607000Z.engawa.age';
    expect(await session.call('backups.chooseFile', undefined)).toEqual({ ok: true, value: { file: chosen } });
    chosen = null;
    expect(await session.call('backups.chooseFile', undefined)).toEqual({ ok: true, value: { file: null } });
  });
});

/** The verified contents of `file`, as the restore's review sees them. */
function readVerified(file: string): Promise<Verified> {
  return verifyBackup({ recipes: { get: () => testRecipe, list: () => [testRecipe] } }, file, { passphrase: PASS });
}

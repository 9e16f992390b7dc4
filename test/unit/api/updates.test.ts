/**
 * The updates.* methods of the core and the start that goes through the update layer, over the
 * in-memory engine, a recipe with two releases (1.1.0, a security release, and 1.0.0) and an
 * instance created on 1.0.0 (`instances.create`'s `version`). The update layer's long operations
 * are stand-ins (they need Docker's streams; core/update is tested on its own): here, what the API
 * does around them: what it lists, what it refuses before anything starts (no passphrase, an
 * unknown release, nothing to go back to), the passphrase it uses and keeps (never shown), the
 * operation kinds with their progress and their ROLLED_BACK failure, and that a start finishes an
 * interrupted update with the kept passphrase.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type Dockerode from 'dockerode';
import type { ApiEventMessage, ApiResult, InstanceUpdateInfo, RollbackPreviewInfo, UpdatePolicyInfo } from '../../../electron/shared/contract';
import { createCore, type EngawaCore } from '../../../electron/core/api/create-core';
import { openSession, type Session } from '../../../electron/core/api/dispatch';
import { SettingsStore } from '../../../electron/core/api/settings';
import { PASSPHRASE_KEY } from '../../../electron/core/backup/passphrase';
import { InstanceManager } from '../../../electron/core/instances/manager';
import { MemorySecretStore } from '../../../electron/core/instances/secret-store';
import type { InstanceRecord } from '../../../electron/core/instances/types';
import type { Recipe } from '../../../electron/core/stacks/types';
import { EngawaError } from '../../../electron/core/util/errors';
import { FakeEngine } from '../instances/fake-engine';
import { testRecipe } from '../instances/recipe';
import { FAKE_INFO, waitForEvent } from './fake-core';

const layer = vi.hoisted(() => ({
  updateInstance: vi.fn(),
  rollbackInstance: vi.fn(),
  rollbackPreview: vi.fn(),
  confirmUpdate: vi.fn(),
  startInstance: vi.fn(),
}));
vi.mock('../../../electron/core/update', async (importOriginal) => ({ ...(await importOriginal<object>()), ...layer }));

const PASS = 'correct horse battery';
const NOTES = 'https://example.com/notes/1.1.0';

/** The manager tests' recipe with a newer release: 1.1.0 (security, from 1.0.0) changes the web service's environment. */
const releases: Recipe = {
  ...testRecipe,
  version: '1.1.0',
  services: testRecipe.services.map((s) => (s.name === 'web' ? { ...s, env: { ...s.env, RELEASE: '1.1.0' } } : s)),
  releases: [
    { version: '1.1.0', security: true, notesUrl: NOTES, from: ['1.0.0'], downloadMiB: 2 },
    { version: '1.0.0', services: { web: { env: { RELEASE: null } } } },
  ],
};
const recipes = {
  get: (id: string) => {
    if (id !== releases.id) throw new EngawaError('NOT_FOUND', `There is no stack "${id}".`);
    return releases;
  },
  list: () => [releases],
};

/** A Docker connection the stand-ins never use. */
const noDocker = {} as Dockerode;

let home: string;
let core: EngawaCore;
let manager: InstanceManager;
let secrets: MemorySecretStore;
let session: Session;
let events: ApiEventMessage[];

let engine: FakeEngine;

/** A core over a new home, or (`again`) over the same home, engine and secrets (a restart of the app). */
async function open(opts: { backups?: boolean; now?: () => Date; log?: (line: string) => void; again?: boolean } = {}): Promise<void> {
  if (!opts.again) {
    home = await mkdtemp(path.join(os.tmpdir(), 'engawa-updates-api-'));
    engine = new FakeEngine();
    secrets = new MemorySecretStore();
  }
  const connect = async () => engine;
  manager = new InstanceManager({ home, engine: connect, secrets, recipes });
  core = createCore({
    services: { home, engine: connect, recipes, manager },
    settings: await SettingsStore.open(home),
    info: FAKE_INFO,
    ...(opts.log && { log: opts.log }),
    ...(opts.backups !== false && { backups: { secrets, env: {}, docker: async () => noDocker, ...(opts.now && { now: opts.now }) } }),
  });
  events = [];
  session = openSession(core, (m) => events.push(m));
}

/** Restarts the core with a clock `msBefore` before today's 04:00 that runs on with real time. */
async function reopenBefore4(msBefore: number, log?: (line: string) => void): Promise<Date> {
  session.close();
  await core.close();
  const base = new Date();
  base.setHours(4, 0, 0, -msBefore);
  const t0 = Date.now();
  await open({ again: true, now: () => new Date(base.getTime() + (Date.now() - t0)), ...(log && { log }) });
  return base;
}

const isEnd =
  (opId: string) =>
  (m: ApiEventMessage): m is Extract<ApiEventMessage, { event: 'op.done' | 'op.failed' }> =>
    (m.event === 'op.done' || m.event === 'op.failed') && m.payload.opId === opId;

async function value<T>(p: Promise<ApiResult<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`call failed: ${JSON.stringify(r.error)}`);
  return r.value as T;
}

async function ended(p: Promise<ApiResult<unknown>>): Promise<Extract<ApiEventMessage, { event: 'op.done' | 'op.failed' }>> {
  const { opId } = await value<{ opId: string }>(p);
  return waitForEvent(events, isEnd(opId));
}

async function create(name: string, version?: string): Promise<void> {
  const end = await ended(session.call('instances.create', { stack: releases.id, name, domain: `${name}.example.com`, ...(version && { version }) }));
  expect(end.event).toBe('op.done');
}

/** Changes the record as an operation would (the stand-ins do not). */
async function patch(name: string, change: (r: InstanceRecord) => InstanceRecord): Promise<void> {
  await manager.runOperation(name, 'update', async (tx) => tx.write(change(await tx.get())));
}

const keep = async (name: string) => secrets.set(name, { ...(await secrets.get(name)), [PASSPHRASE_KEY]: PASS });
const list = async () => value<InstanceUpdateInfo[]>(session.call('updates.list', undefined));
const failure = (r: ApiResult<unknown>) => (r.ok ? undefined : r.error);

beforeEach(async () => {
  for (const fn of Object.values(layer)) fn.mockReset();
  await open();
  await create('blog', '1.0.0');
});

afterEach(async () => {
  session.close();
  await core.ops.settled();
  await core.close();
  await rm(home, { recursive: true, force: true });
});

describe('updates.list', () => {
  it('says what each server can update to, with a security flag, the notes and the costs', async () => {
    expect((await manager.get('blog')).stackVersion).toBe('1.0.0');
    await create('fresh'); // on the newest release
    const [blog, fresh] = [...(await list())].sort((a, b) => a.name.localeCompare(b.name));
    expect(blog).toEqual({
      name: 'blog',
      stack: releases.id,
      current: '1.0.0',
      target: '1.1.0',
      steps: [{ from: '1.0.0', to: '1.1.0', security: true, notesUrl: NOTES, services: ['web'], dataMoves: [] }],
      security: true,
      newest: '1.1.0',
      downloadBytes: 2 * 1024 * 1024,
      downtimeS: 30,
      passphraseKept: false,
    });
    expect(fresh).toMatchObject({ name: 'fresh', current: '1.1.0', steps: [], security: false, passphraseKept: false });
    expect(fresh).not.toHaveProperty('target');
    await keep('blog');
    expect((await list()).find((u) => u.name === 'blog')?.passphraseKept).toBe(true);
  });

  it('tells the last update while it can be undone, and an unfinished one', async () => {
    await patch('blog', (r) => ({
      ...r,
      stackVersion: '1.1.0',
      lastUpdate: { from: '1.0.0', to: '1.1.0', at: '2025-05-01T00:00:00.000Z', backup: '/b/blog.engawa.age', downtimeMs: 4200 },
    }));
    expect((await list())[0]).toMatchObject({
      current: '1.1.0',
      steps: [],
      rollback: { to: '1.0.0', updatedTo: '1.1.0', backup: '/b/blog.engawa.age', at: '2025-05-01T00:00:00.000Z', downtimeMs: 4200 },
    });
    await patch('blog', ({ lastUpdate: _l, ...r }) => ({
      ...r,
      stackVersion: '1.0.0',
      update: { from: '1.0.0', stepFrom: '1.0.0', to: '1.1.0', target: '1.1.0', phase: 'switching', startedAt: '2025-05-02T00:00:00.000Z' },
    }));
    expect((await list())[0]).toMatchObject({ unfinished: { to: '1.1.0', phase: 'switching' } });
  });

  it('lists a server of a release this Engawa does not know, saying why', async () => {
    await patch('blog', (r) => ({ ...r, stackVersion: '0.9.0' }));
    const [blog] = await list();
    expect(blog).toMatchObject({ name: 'blog', current: '0.9.0', steps: [], security: false, error: { code: 'NOT_FOUND' } });
  });
});

describe('updates.run', () => {
  it('asks for the passphrase before anything starts when none is kept', async () => {
    const r = failure(await session.call('updates.run', { name: 'blog' }));
    expect(r).toMatchObject({ code: 'INVALID_INPUT', details: { reason: 'passphrase-needed' } });
    expect(core.ops.list()).toEqual([]);
    expect(layer.updateInstance).not.toHaveBeenCalled();
  });

  it('refuses an unknown release, a short passphrase, a server that is up to date and a missing one', async () => {
    await keep('blog');
    expect(failure(await session.call('updates.run', { name: 'blog', to: '9.9.9' }))).toMatchObject({
      code: 'INVALID_INPUT',
      details: { reason: 'unknown-release' },
    });
    expect(failure(await session.call('updates.run', { name: 'blog', passphrase: 'short' }))).toMatchObject({
      code: 'INVALID_INPUT',
      details: { path: 'passphrase' },
    });
    await create('fresh');
    await keep('fresh');
    expect(failure(await session.call('updates.run', { name: 'fresh' }))).toMatchObject({ code: 'STATE', details: { reason: 'up-to-date' } });
    expect(failure(await session.call('updates.run', { name: 'ghost' }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(core.ops.list()).toEqual([]);
    expect(layer.updateInstance).not.toHaveBeenCalled();
  });

  it('runs as an update operation with its progress, using and keeping the passphrase given, never showing it', async () => {
    layer.updateInstance.mockImplementation(async (_deps, _name, opts) => {
      opts.onProgress({ kind: 'step', step: 'Download the new release', state: 'start' });
      opts.onBytes({ step: 'Write the backup file', current: 10, total: 20 });
      opts.onProgress({ kind: 'step', step: 'Switch to 1.1.0', state: 'done' });
      return { name: 'blog', from: '1.0.0', to: '1.1.0', updated: true, steps: [], downtimeMs: 1 };
    });
    const end = await ended(session.call('updates.run', { name: 'blog', to: '1.1.0', passphrase: PASS }));
    expect(end).toMatchObject({ event: 'op.done', payload: { op: 'update', instance: 'blog' } });
    const progress = events.filter((m) => m.event === 'op.progress').map((m) => m.payload);
    expect(progress.map((p) => p.op)).toEqual(['update', 'update', 'update']);
    expect(progress.map((p) => p.progress)).toEqual([
      { kind: 'step', step: 'Download the new release', state: 'start' },
      { kind: 'bytes', step: 'Write the backup file', current: 10, total: 20 },
      { kind: 'step', step: 'Switch to 1.1.0', state: 'done' },
    ]);
    expect(layer.updateInstance).toHaveBeenCalledWith(
      expect.objectContaining({ home, docker: noDocker }),
      'blog',
      expect.objectContaining({ to: '1.1.0', passphrase: PASS }),
    );
    expect((await secrets.get('blog'))[PASSPHRASE_KEY]).toBe(PASS);
    expect(JSON.stringify(events)).not.toContain(PASS);
    // the backup code's secret store hides the passphrase
    const deps = layer.updateInstance.mock.calls[0]?.[0] as { secrets: MemorySecretStore };
    expect(await deps.secrets.get('blog')).not.toHaveProperty(PASSPHRASE_KEY);
  });

  it('uses the kept passphrase, and cannot be cancelled midway', async () => {
    await keep('blog');
    let release!: () => void;
    layer.updateInstance.mockImplementation(() => new Promise<void>((r) => (release = r)));
    const { opId } = await value<{ opId: string }>(session.call('updates.run', { name: 'blog' }));
    expect(core.ops.list()).toMatchObject([{ opId, op: 'update', instance: 'blog', cancellable: false }]);
    expect(await value(session.call('ops.cancel', { opId }))).toEqual({ cancelled: false });
    await vi.waitFor(() => expect(layer.updateInstance).toHaveBeenCalled());
    expect(layer.updateInstance.mock.calls[0]?.[2]).toMatchObject({ passphrase: PASS });
    expect(layer.updateInstance.mock.calls[0]?.[2]).not.toHaveProperty('to');
    release();
    await waitForEvent(events, isEnd(opId));
  });

  it('fails with ROLLED_BACK and its details when the update went back by itself', async () => {
    await keep('blog');
    const details = { from: '1.0.0', to: '1.1.0', service: 'web', lastLogLines: ['boom'], logFile: '/l/x.log', backup: '/b/x.engawa.age' };
    layer.updateInstance.mockRejectedValue(
      new EngawaError('ROLLED_BACK', 'The update failed (web did not work on 1.1.0: boom); Engawa went back to 1.0.0.', details),
    );
    const end = await ended(session.call('updates.run', { name: 'blog' }));
    expect(end).toMatchObject({ event: 'op.failed', payload: { op: 'update', error: { code: 'ROLLED_BACK', details } } });
  });

  it('finishes an unfinished update even when the target is not given again', async () => {
    await keep('blog');
    await patch('blog', (r) => ({
      ...r,
      update: { from: '1.0.0', stepFrom: '1.0.0', to: '1.1.0', target: '1.1.0', phase: 'post-upgrade', startedAt: '2025-05-02T00:00:00.000Z' },
    }));
    layer.updateInstance.mockResolvedValue({ name: 'blog', from: '1.0.0', to: '1.1.0', updated: true, steps: [], downtimeMs: 0 });
    expect((await ended(session.call('updates.run', { name: 'blog' }))).event).toBe('op.done');
    expect(layer.updateInstance).toHaveBeenCalledTimes(1);
  });
});

describe('updates.rollback, rollbackPreview, confirm', () => {
  const updated = (r: InstanceRecord): InstanceRecord => ({
    ...r,
    stackVersion: '1.1.0',
    lastUpdate: { from: '1.0.0', to: '1.1.0', at: '2025-05-01T00:00:00.000Z', backup: '/b/blog.engawa.age', downtimeMs: 4200 },
  });

  it('refuse a server with no update to go back from, before anything starts', async () => {
    await keep('blog');
    expect(failure(await session.call('updates.rollback', { name: 'blog' }))).toMatchObject({ code: 'STATE', details: { reason: 'no-rollback' } });
    expect(failure(await session.call('updates.rollbackPreview', { name: 'blog' }))).toMatchObject({ code: 'STATE', details: { reason: 'no-rollback' } });
    expect(failure(await session.call('updates.confirm', { name: 'blog' }))).toMatchObject({ code: 'STATE', details: { reason: 'no-rollback' } });
    expect(core.ops.list()).toEqual([]);
    expect(layer.rollbackInstance).not.toHaveBeenCalled();
  });

  it('go back as a rollback operation with the passphrase given or kept (asked for when neither)', async () => {
    await patch('blog', updated);
    expect(failure(await session.call('updates.rollback', { name: 'blog' }))).toMatchObject({
      code: 'INVALID_INPUT',
      details: { reason: 'passphrase-needed' },
    });
    layer.rollbackInstance.mockImplementation(async (_deps, _name, opts) => {
      opts.onProgress({ kind: 'step', step: 'Go back to 1.0.0', state: 'start' });
      return { name: 'blog', from: '1.1.0', to: '1.0.0' };
    });
    const end = await ended(session.call('updates.rollback', { name: 'blog', passphrase: 'the old one' }));
    expect(end).toMatchObject({ event: 'op.done', payload: { op: 'rollback', instance: 'blog' } });
    expect(events.some((m) => m.event === 'op.progress' && m.payload.op === 'rollback')).toBe(true);
    expect(layer.rollbackInstance.mock.calls[0]?.[2]).toMatchObject({ passphrase: 'the old one' });
    expect(await secrets.get('blog')).not.toHaveProperty(PASSPHRASE_KEY); // a rollback's passphrase is not kept
    await keep('blog');
    await ended(session.call('updates.rollback', { name: 'blog' }));
    expect(layer.rollbackInstance.mock.calls[1]?.[2]).toMatchObject({ passphrase: PASS });
  });

  it('preview what a rollback loses, and confirm the update', async () => {
    await patch('blog', updated);
    layer.rollbackPreview.mockResolvedValue({
      name: 'blog',
      current: '1.1.0',
      to: '1.0.0',
      backup: '/b/blog.engawa.age',
      backupAt: '2025-05-01T00:00:00.000Z',
      since: [{ table: 'db/notes', then: 3, now: 5 }],
    });
    const preview = await value<RollbackPreviewInfo>(session.call('updates.rollbackPreview', { name: 'blog' }));
    expect(preview).toEqual({
      name: 'blog',
      current: '1.1.0',
      to: '1.0.0',
      backup: '/b/blog.engawa.age',
      backupAt: '2025-05-01T00:00:00.000Z',
      since: [{ table: 'db/notes', then: 3, now: 5 }],
    });
    layer.confirmUpdate.mockResolvedValue({ name: 'blog', removedVolumes: ['engawa-blog_db-old'] });
    expect(await value(session.call('updates.confirm', { name: 'blog' }))).toEqual({ removed: 1 });
    expect(layer.confirmUpdate).toHaveBeenCalledWith(expect.objectContaining({ home }), 'blog');
  });
});

describe('instances.start', () => {
  it('starts through the update layer, with the kept passphrase, when an update was interrupted', async () => {
    await keep('blog');
    await ended(session.call('instances.stop', { name: 'blog' }));
    expect((await ended(session.call('instances.start', { name: 'blog' }))).event).toBe('op.done');
    expect(layer.startInstance).not.toHaveBeenCalled(); // nothing interrupted: the manager's start
    await patch('blog', (r) => ({
      ...r,
      update: { from: '1.0.0', stepFrom: '1.0.0', to: '1.1.0', target: '1.1.0', phase: 'switching', startedAt: '2025-05-02T00:00:00.000Z' },
    }));
    layer.startInstance.mockResolvedValue(undefined);
    const end = await ended(session.call('instances.start', { name: 'blog' }));
    expect(end).toMatchObject({ event: 'op.done', payload: { op: 'start' } });
    expect(layer.startInstance).toHaveBeenCalledWith(expect.objectContaining({ home }), 'blog', expect.objectContaining({ passphrase: PASS }));
  });

  it('gives no passphrase when none is kept (the update layer asks for one only if it must go back)', async () => {
    await patch('blog', (r) => ({
      ...r,
      update: { from: '1.0.0', stepFrom: '1.0.0', to: '1.1.0', target: '1.1.0', phase: 'pulling', startedAt: '2025-05-02T00:00:00.000Z' },
    }));
    layer.startInstance.mockResolvedValue(undefined);
    await ended(session.call('instances.start', { name: 'blog' }));
    expect(layer.startInstance.mock.calls[0]?.[2]).not.toHaveProperty('passphrase');
  });
});

describe('updates.policy', () => {
  const policy = async (name = 'blog') => value<UpdatePolicyInfo>(session.call('updates.policy.get', { name }));

  it('is notify unless set; auto-security needs the passphrase kept and keeps the one given', async () => {
    expect(await policy()).toEqual({ mode: 'notify', at: null, nextRun: null });
    expect(failure(await session.call('updates.policy.set', { name: 'blog', mode: 'auto-security', at: '04:00' }))).toMatchObject({
      code: 'INVALID_INPUT',
      details: { reason: 'passphrase-needed' },
    });
    expect(failure(await session.call('updates.policy.set', { name: 'blog', mode: 'auto-security', passphrase: PASS }))).toMatchObject({
      code: 'INVALID_INPUT',
      details: { reason: 'at' },
    });
    expect(failure(await session.call('updates.policy.set', { name: 'blog', mode: 'auto-security', at: '25:00', passphrase: PASS }))).toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(failure(await session.call('updates.policy.get', { name: 'nobody' }))).toMatchObject({ code: 'NOT_FOUND' });
    // refused calls changed nothing
    expect(await policy()).toEqual({ mode: 'notify', at: null, nextRun: null });
    expect((await secrets.get('blog'))[PASSPHRASE_KEY]).toBeUndefined();

    const set = await value<UpdatePolicyInfo>(session.call('updates.policy.set', { name: 'blog', mode: 'auto-security', at: '04:30', passphrase: PASS }));
    expect(set).toMatchObject({ mode: 'auto-security', at: '04:30' });
    const next = new Date(set.nextRun ?? '');
    expect([next.getHours(), next.getMinutes()]).toEqual([4, 30]);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    expect((await secrets.get('blog'))[PASSPHRASE_KEY]).toBe(PASS);
    expect(await policy()).toEqual(set);
    expect(events.some((m) => JSON.stringify(m).includes(PASS))).toBe(false);

    // back to notify: nothing is due
    expect(await value(session.call('updates.policy.set', { name: 'blog', mode: 'notify' }))).toEqual({ mode: 'notify', at: null, nextRun: null });
  });

  it('installs a security release by itself at its hour, as an update operation with the kept passphrase', async () => {
    const base = await reopenBefore4(400);
    await keep('blog');
    layer.updateInstance.mockResolvedValue({ name: 'blog', from: '1.0.0', to: '1.1.0', updated: true, steps: [], downtimeMs: 1200 });
    expect((await value<UpdatePolicyInfo>(session.call('updates.policy.set', { name: 'blog', mode: 'auto-security', at: '04:00' }))).nextRun).toBe(
      new Date(base.getTime() + 400).toISOString(),
    );
    const end = await waitForEvent(events, (m): m is Extract<ApiEventMessage, { event: 'op.done' }> => m.event === 'op.done');
    expect(end.payload).toMatchObject({ op: 'update', instance: 'blog' });
    expect(layer.updateInstance).toHaveBeenCalledTimes(1);
    expect(layer.updateInstance.mock.calls[0]?.[1]).toBe('blog');
    expect(layer.updateInstance.mock.calls[0]?.[2]).toMatchObject({ to: '1.1.0', passphrase: PASS });
    // armed again for the next day
    const next = new Date((await policy()).nextRun ?? '');
    expect(next.getTime() - base.getTime()).toBeGreaterThan(23 * 3600_000);
  });

  it('skips a run when no passphrase is kept any more, and tries again the next day', async () => {
    const lines: string[] = [];
    const base = await reopenBefore4(300, (l) => lines.push(l));
    await keep('blog');
    await value(session.call('updates.policy.set', { name: 'blog', mode: 'auto-security', at: '04:00' }));
    await secrets.set('blog', {}); // the passphrase was forgotten since
    await vi.waitFor(() => expect(lines.join('\n')).toMatch(/"blog" is skipped: no backup passphrase is kept/), { timeout: 3000 });
    expect(layer.updateInstance).not.toHaveBeenCalled();
    expect(lines.join('\n')).not.toContain(PASS);
    expect(new Date((await policy()).nextRun ?? '').getTime() - base.getTime()).toBeGreaterThan(23 * 3600_000);
  });

  it('skips a run while another operation holds the server', async () => {
    const lines: string[] = [];
    await reopenBefore4(300, (l) => lines.push(l));
    await keep('blog');
    let release!: () => void;
    const client = { id: 'other', send: () => {}, onClose: () => {} };
    core.ops.start('backup', 'blog', client, () => new Promise<undefined>((r) => (release = () => r(undefined))), { cancellable: true });
    await value(session.call('updates.policy.set', { name: 'blog', mode: 'auto-security', at: '04:00' }));
    await vi.waitFor(() => expect(lines.join('\n')).toMatch(/"blog" is skipped: the server is busy/), { timeout: 3000 });
    expect(layer.updateInstance).not.toHaveBeenCalled();
    release();
  });

  it('goes with a deleted server', async () => {
    await keep('blog');
    await value(session.call('updates.policy.set', { name: 'blog', mode: 'auto-security', at: '04:00' }));
    expect((await ended(session.call('instances.destroy', { name: 'blog' }))).event).toBe('op.done');
    await create('blog', '1.0.0');
    expect(await policy()).toEqual({ mode: 'notify', at: null, nextRun: null });
  });
});

describe('without backups', () => {
  it('lists the updates, and answers STATE for the rest', async () => {
    session.close();
    await core.close();
    await rm(home, { recursive: true, force: true });
    await open({ backups: false });
    await create('blog', '1.0.0');
    expect((await list())[0]).toMatchObject({ target: '1.1.0', passphraseKept: false });
    expect(failure(await session.call('updates.run', { name: 'blog', passphrase: PASS }))).toMatchObject({ code: 'STATE' });
    expect(failure(await session.call('updates.rollback', { name: 'blog' }))).toMatchObject({ code: 'STATE' });
  });
});

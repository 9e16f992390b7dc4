/**
 * The backups.* methods of the core (no Docker: a created instance of the in-memory engine, and a
 * Docker connection that is never reached): bad input is refused, the passphrase is kept in the
 * SecretStore and never shown, schedules persist in their file and arm the scheduler, and the
 * passphrase never reaches backup code.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiEventMessage, ApiResult } from '../../../electron/shared/contract';
import { createCore, type EngawaCore } from '../../../electron/core/api/create-core';
import { openSession, type Session } from '../../../electron/core/api/dispatch';
import { SettingsStore } from '../../../electron/core/api/settings';
import { PASSPHRASE_KEY, withoutPassphrase } from '../../../electron/core/backup/passphrase';
import { ScheduleStore, schedulesFile } from '../../../electron/core/backup/schedule-store';
import { EngawaError } from '../../../electron/core/util/errors';
import { InstanceManager } from '../../../electron/core/instances/manager';
import { MemorySecretStore } from '../../../electron/core/instances/secret-store';
import { FakeEngine } from '../instances/fake-engine';
import { testRecipe } from '../instances/recipe';
import { FAKE_INFO, waitForEvent } from '../api/fake-core';

let home: string;
let core: EngawaCore;
let secrets: MemorySecretStore;
let session: Session;
let events: ApiEventMessage[];

const NOW = new Date(2025, 0, 6, 12, 0); // a Monday, local time

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-backups-api-'));
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
    services: { home, engine: connect, recipes, manager },
    settings: await SettingsStore.open(home),
    info: FAKE_INFO,
    backups: { secrets, env: {}, docker: () => Promise.reject(new EngawaError('ENGINE_UNREACHABLE', 'no Docker in unit tests')), now: () => NOW },
  });
  events = [];
  session = openSession(core, (m) => events.push(m));
  const created = await session.call('instances.create', { stack: testRecipe.id, name: 'blog', domain: 'example.com' });
  if (!created.ok) throw new Error(created.error.message);
  const opId = (created.value as { opId: string }).opId;
  await waitForEvent(events, (m): m is ApiEventMessage => m.event === 'op.done' && m.payload.opId === opId);
});

afterEach(async () => {
  session.close();
  await core.close();
  await rm(home, { recursive: true, force: true });
});

const code = (r: ApiResult<unknown>) => (r.ok ? 'ok' : r.error.code);
const schedule = { every: 'daily' as const, at: '03:00', keep: 3, folder: '', drill: true };

describe('backups.* input', () => {
  it('refuses bad input before anything runs', async () => {
    expect(code(await session.call('backups.create', { name: 'blog', passphrase: 'short' }))).toBe('INVALID_INPUT');
    expect(code(await session.call('backups.create', { name: 'blog', extra: 1 }))).toBe('INVALID_INPUT');
    expect(code(await session.call('backups.verify', { file: 'relative.engawa.age' }))).toBe('INVALID_INPUT');
    expect(code(await session.call('backups.verify', { file: path.join(home, 'notes.txt') }))).toBe('INVALID_INPUT');
    expect(code(await session.call('backups.verify', { file: path.join(home, 'blog-20250101T000000000Z.engawa.age') }))).toBe('NOT_FOUND');
    expect(code(await session.call('backups.restore', { file: 42 }))).toBe('INVALID_INPUT');
    expect(code(await session.call('backups.schedule.set', { name: 'blog', schedule: { ...schedule, at: '25:00', folder: home } }))).toBe('INVALID_INPUT');
    expect(code(await session.call('backups.schedule.set', { name: 'blog', schedule: { ...schedule, keep: 0, folder: home } }))).toBe('INVALID_INPUT');
    expect(code(await session.call('backups.list', { name: 'nobody' }))).toBe('NOT_FOUND');
    expect(core.ops.list()).toEqual([]);
  });

  it('asks for a passphrase until one is kept, and never answers it', async () => {
    const first = await session.call('backups.create', { name: 'blog' });
    expect(!first.ok && first.error.details?.reason).toBe('passphrase');
    const list = await session.call('backups.list', { name: 'blog' });
    expect(list.ok && list.value).toMatchObject({ passphraseSet: false, backups: [], beforeRestore: [], folder: path.join(home, 'backups') });

    const started = await session.call('backups.create', { name: 'blog', passphrase: 'correct horse' });
    expect(started.ok).toBe(true);
    const opId = (started as { value: { opId: string } }).value.opId;
    const failed = await waitForEvent(events, (m): m is Extract<ApiEventMessage, { event: 'op.failed' }> => m.event === 'op.failed' && m.payload.opId === opId);
    expect(failed.payload).toMatchObject({ op: 'backup', instance: 'blog', error: { code: 'ENGINE_UNREACHABLE' } });

    expect((await secrets.get('blog'))[PASSPHRASE_KEY]).toBe('correct horse');
    const after = await session.call('backups.list', { name: 'blog' });
    expect(after.ok && (after.value as { passphraseSet: boolean }).passphraseSet).toBe(true);
    expect(JSON.stringify(events)).not.toContain('correct horse');
  });
});

describe('backups.passphraseStrength', () => {
  it('answers the hint of the core’s rule, changes nothing and tells no one the passphrase', async () => {
    const ask = async (passphrase: string) => {
      const r = await session.call('backups.passphraseStrength', { passphrase });
      if (!r.ok) throw new Error(r.error.message);
      return r.value as { strength: string; minLength: number };
    };
    expect(await ask('too short')).toEqual({ strength: 'too-short', minLength: 12 });
    expect((await ask('aaaaaaaaaaaaaaaa')).strength).toBe('weak');
    expect((await ask('e2e passphrase 1')).strength).toBe('fair');
    expect((await ask('Seven blue Kites, 42 quiet owls!')).strength).toBe('strong');
    expect(code(await session.call('backups.passphraseStrength', { passphrase: 'x'.repeat(1025) }))).toBe('INVALID_INPUT');
    expect(code(await session.call('backups.passphraseStrength', {}))).toBe('INVALID_INPUT');
    expect((await secrets.get('blog'))[PASSPHRASE_KEY]).toBeUndefined();
    expect(JSON.stringify(events)).not.toContain('Kites');
    expect(core.ops.list()).toEqual([]);
  });
});

describe('backups.schedule', () => {
  it('needs a kept passphrase, then persists the schedule and arms it', async () => {
    const folder = path.join(home, 'drive');
    const refused = await session.call('backups.schedule.set', { name: 'blog', schedule: { ...schedule, folder } });
    expect(code(refused)).toBe('STATE');
    await secrets.set('blog', { ...(await secrets.get('blog')), [PASSPHRASE_KEY]: 'correct horse' });

    const set = await session.call('backups.schedule.set', { name: 'blog', schedule: { ...schedule, folder } });
    expect(set.ok && set.value).toEqual({
      schedule: { ...schedule, folder },
      nextRun: new Date(2025, 0, 7, 3, 0).toISOString(),
      defaultFolder: path.join(home, 'backups'),
    });
    expect(await new ScheduleStore(home).get('blog')).toEqual({ instance: 'blog', every: 'daily', at: '03:00', keep: 3, out: folder, drill: true });
    expect(JSON.parse(await readFile(schedulesFile(home), 'utf8')).schedules).toHaveLength(1);
    const list = await session.call('backups.list', { name: 'blog' });
    expect(list.ok && (list.value as { folder: string }).folder).toBe(folder);

    const off = await session.call('backups.schedule.set', { name: 'blog', schedule: null });
    expect(off.ok && off.value).toMatchObject({ schedule: null, nextRun: null });
    expect(await new ScheduleStore(home).list()).toEqual([]);
  });

  it('refuses a folder that is not a full path', async () => {
    await secrets.set('blog', { ...(await secrets.get('blog')), [PASSPHRASE_KEY]: 'correct horse' });
    expect(code(await session.call('backups.schedule.set', { name: 'blog', schedule: { ...schedule, folder: 'backups' } }))).toBe('INVALID_INPUT');
  });
});

describe('withoutPassphrase', () => {
  it('hides the passphrase from backup code and keeps it when that code writes secrets', async () => {
    const store = new MemorySecretStore();
    await store.set('blog', { db_password: 'x', [PASSPHRASE_KEY]: 'kept one' });
    const seen = withoutPassphrase(store);
    expect(await seen.get('blog')).toEqual({ db_password: 'x' });
    await seen.set('blog', { db_password: 'y', [PASSPHRASE_KEY]: 'from a backup' });
    expect(await store.get('blog')).toEqual({ db_password: 'y', [PASSPHRASE_KEY]: 'kept one' });
  });
});

describe('ScheduleStore', () => {
  it('leaves out entries that are not valid', async () => {
    const store = new ScheduleStore(home);
    await store.set('blog', { instance: 'blog', every: 'weekly', weekday: 2, at: '01:30', out: home });
    const raw = JSON.parse(await readFile(schedulesFile(home), 'utf8'));
    raw.schedules.push({ instance: 'bad', every: 'hourly', at: '01:00', out: home });
    await import('node:fs/promises').then((fs) => fs.writeFile(schedulesFile(home), JSON.stringify(raw)));
    expect((await store.list()).map((s) => s.instance)).toEqual(['blog']);
  });
});

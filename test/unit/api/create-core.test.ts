/**
 * createCore over the in-memory engine: long operations answer an id at once and report through
 * events, the generated admin password reaches only the client that asked, states are pushed
 * from Docker's events, and settings persist.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiEventMessage } from '../../../electron/shared/contract';
import { openSession, type Session } from '../../../electron/core/api/dispatch';
import { SettingsStore } from '../../../electron/core/api/settings';
import { fakeCore, waitForEvent, type FakeCore } from './fake-core';

let f: FakeCore;
let a: { session: Session; events: ApiEventMessage[] };
let b: { session: Session; events: ApiEventMessage[] };

function connect() {
  const events: ApiEventMessage[] = [];
  return { session: openSession(f.core, (m) => events.push(m)), events };
}

const isEvent =
  <E extends ApiEventMessage['event']>(event: E, opId?: string) =>
  (m: ApiEventMessage): m is Extract<ApiEventMessage, { event: E }> =>
    m.event === event && (opId === undefined || (m.payload as { opId?: string }).opId === opId);

async function value<T>(p: Promise<{ ok: boolean; value?: unknown; error?: unknown }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`call failed: ${JSON.stringify(r.error)}`);
  return r.value as T;
}

async function create(name = 'blog'): Promise<string> {
  const { opId } = await value<{ opId: string }>(a.session.call('instances.create', { stack: 'teststack', name, domain: 'example.com' }));
  await waitForEvent(a.events, isEvent('op.done', opId));
  return opId;
}

beforeEach(async () => {
  f = await fakeCore();
  a = connect();
  b = connect();
});
afterEach(async () => {
  a.session.close();
  b.session.close();
  await f.cleanup();
});

describe('instances.create', () => {
  it('answers plain mistakes at once, before any operation starts', async () => {
    const stack = await a.session.call('instances.create', { stack: 'nope', name: 'blog', domain: 'example.com' });
    expect(!stack.ok && stack.error.code).toBe('NOT_FOUND');
    const name = await a.session.call('instances.create', { stack: 'teststack', name: '-bad', domain: 'example.com' });
    expect(!name.ok && name.error.code).toBe('INVALID_INPUT');
    const domain = await a.session.call('instances.create', { stack: 'teststack', name: 'blog', domain: 'not a domain' });
    expect(!domain.ok && domain.error.code).toBe('INVALID_INPUT');
    expect(f.core.ops.list()).toEqual([]);
    await create('blog');
    const taken = await a.session.call('instances.create', { stack: 'teststack', name: 'blog', domain: 'example.org' });
    expect(!taken.ok && taken.error.code).toBe('NAME_TAKEN');
  });

  it('answers an operation id, pushes states, and ends with op.done carrying the password to the caller only', async () => {
    const opId = await create('blog');
    const mine = await waitForEvent(a.events, isEvent('op.done', opId));
    expect(mine.payload).toMatchObject({ opId, op: 'create', instance: 'blog' });
    expect(mine.payload.result?.adminPassword).toMatch(/^.{20}$/);
    const theirs = await waitForEvent(b.events, isEvent('op.done', opId));
    expect(theirs.payload).toEqual({ opId, op: 'create', instance: 'blog' });
    expect(JSON.stringify(b.events)).not.toContain(mine.payload.result?.adminPassword);
    const states = b.events.filter(isEvent('instance.state')).map((e) => e.payload.state);
    expect(states).toEqual(expect.arrayContaining(['creating', 'running']));
    const list = await value<{ name: string; state: string; localUrl: string }[]>(b.session.call('instances.list', undefined));
    expect(list).toMatchObject([{ name: 'blog', state: 'running', localUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) }]);
  });

  it('ends with op.failed and the reason when the engine fails', async () => {
    f.engine.failAfterSteps = Object.assign(new Error('the database did not start'));
    const { opId } = await value<{ opId: string }>(a.session.call('instances.create', { stack: 'teststack', name: 'blog', domain: 'example.com' }));
    const failed = await waitForEvent(b.events, isEvent('op.failed', opId));
    expect(failed.payload.error).toMatchObject({ code: 'INTERNAL', message: 'the database did not start' });
  });
});

describe('operations', () => {
  it('answers BUSY for a second operation on the same instance while one runs', async () => {
    await create('blog');
    let release!: () => void;
    f.engine.gates.set('start', new Promise<void>((r) => (release = r)));
    const first = await value<{ opId: string }>(a.session.call('instances.restart', { name: 'blog' }));
    const second = await a.session.call('instances.stop', { name: 'blog' });
    expect(!second.ok && second.error.code).toBe('BUSY');
    expect(await value(a.session.call('ops.list', undefined))).toMatchObject([{ opId: first.opId, op: 'restart', instance: 'blog', cancellable: true }]);
    release();
    await waitForEvent(a.events, isEvent('op.done', first.opId));
    expect(await value(a.session.call('ops.list', undefined))).toEqual([]);
  });

  it('does not cancel what cannot be cancelled safely, nor unknown operations', async () => {
    await create('blog');
    const { opId } = await value<{ opId: string }>(a.session.call('instances.destroy', { name: 'blog' }));
    expect(await value(a.session.call('ops.cancel', { opId }))).toEqual({ cancelled: false });
    expect(await value(a.session.call('ops.cancel', { opId: 'nope' }))).toEqual({ cancelled: false });
    await waitForEvent(a.events, isEvent('op.done', opId));
    expect(await value(a.session.call('instances.list', undefined))).toEqual([]);
  });

  it('names the instance that does not exist', async () => {
    const r = await a.session.call('instances.start', { name: 'ghost' });
    expect(!r.ok && r.error).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('instance.state', () => {
  it('is pushed when Docker reports a container died, with no call made', async () => {
    await create('blog');
    await waitForEvent(b.events, (m): m is ApiEventMessage => m.event === 'instance.state' && m.payload.state === 'running');
    f.engine.setService('engawa-blog', 'web', { state: 'exited', exitCode: 1 });
    f.engine.emit({ project: 'engawa-blog', service: 'web', action: 'die', exitCode: 1 });
    const changed = await waitForEvent(
      b.events,
      (m): m is ApiEventMessage => m.event === 'instance.state' && m.payload.state !== 'running' && m.payload.state !== 'creating',
    );
    expect(changed.payload).toMatchObject({ name: 'blog' });
    const [listed] = await value<{ state: string }[]>(b.session.call('instances.list', undefined));
    expect(listed?.state).toBe((changed.payload as { state: string }).state);
  });
});

describe('settings', () => {
  it('starts from the defaults, pushes a change to every client and keeps it on disk', async () => {
    expect(await value(a.session.call('settings.get', undefined))).toEqual({
      language: null,
      launchAtLogin: false,
      notifications: true,
      allowPlainTextSecrets: false,
    });
    const next = await value(a.session.call('settings.set', { language: 'ja', notifications: false }));
    expect(next).toMatchObject({ language: 'ja', notifications: false, launchAtLogin: false });
    expect(b.events.filter(isEvent('settings.changed')).map((e) => e.payload)).toEqual([next]);
    expect((await SettingsStore.open(f.home)).get()).toEqual(next);
  });
});

describe('logs and info', () => {
  it('refuses a subscription to an unknown instance and an unsubscribe of a foreign subscription', async () => {
    const r = await a.session.call('instances.logs.subscribe', { name: 'ghost' });
    expect(!r.ok && r.error.code).toBe('NOT_FOUND');
    await create('blog');
    const { subscriptionId } = await value<{ subscriptionId: string }>(a.session.call('instances.logs.subscribe', { name: 'blog' }));
    const foreign = await b.session.call('instances.logs.unsubscribe', { subscriptionId });
    expect(!foreign.ok && foreign.error.code).toBe('NOT_FOUND');
  });

  it('answers app.info and stacks.list without Docker details or secrets', async () => {
    expect(await value(a.session.call('app.info', undefined))).toEqual({ version: '9.9.9', platform: 'linux', shell: 'browser', systemLanguages: ['ja-JP'] });
    const [stack] = await value<Record<string, unknown>[]>(a.session.call('stacks.list', undefined));
    expect(stack).toMatchObject({ id: 'teststack', admin: { kind: 'owner-account', defaultUser: 'owner' }, testOnly: true });
    expect(Object.keys(stack ?? {})).not.toContain('secrets');
  });
});

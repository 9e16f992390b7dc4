/** The dispatcher: unknown methods and bad input are refused clearly; errors travel in the envelope. */
import { describe, expect, it, vi } from 'vitest';
import { API_METHODS } from '../../../electron/shared/contract';
import { dispatch, openSession, parseInput } from '../../../electron/core/api/dispatch';
import { EventBus } from '../../../electron/core/api/events';
import type { ClientContext, Core, Handlers } from '../../../electron/core/api/types';
import { EngawaError } from '../../../electron/core/util/errors';

const client: ClientContext = { id: 'c1', send: () => {}, onClose: () => {} };

/** Handlers that each answer their own name, or what `overrides` says. */
function handlers(overrides: Partial<Handlers> = {}): Handlers {
  const all = Object.fromEntries(API_METHODS.map((m) => [m, vi.fn(async () => m)])) as unknown as Handlers;
  return { ...all, ...overrides };
}

describe('dispatch', () => {
  it('rejects a method the contract does not have with NOT_FOUND, naming it', async () => {
    for (const method of ['instances.hack', '__proto__', 'constructor', 42, undefined]) {
      const r = await dispatch(handlers(), method, undefined, client);
      expect(r).toEqual({
        ok: false,
        error: { code: 'NOT_FOUND', message: `There is no API method "${String(method)}".`, details: { method: String(method) } },
      });
    }
  });

  it('rejects bad input with INVALID_INPUT and the path of the problem, without calling the handler', async () => {
    const h = handlers();
    const r = await dispatch(h, 'instances.create', { stack: 'x', name: 'a', domain: 'example.com', admin: { user: 'me', email: 5 } }, client);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('INVALID_INPUT');
    expect(r.error.details?.path).toBe('admin.email');
    expect(r.error.message).toMatch(/^The input of instances\.create is not valid: "admin\.email": /);
    expect(h['instances.create']).not.toHaveBeenCalled();
  });

  it('rejects unknown fields, missing fields and input for methods that take none', async () => {
    const extra = await dispatch(handlers(), 'instances.start', { name: 'a', force: true }, client);
    expect(!extra.ok && extra.error.code).toBe('INVALID_INPUT');
    const missing = await dispatch(handlers(), 'instances.stop', {}, client);
    expect(!missing.ok && missing.error.details?.path).toBe('name');
    const given = await dispatch(handlers(), 'instances.list', { all: true }, client);
    expect(!given.ok && given.error.code).toBe('INVALID_INPUT');
    const tail = await dispatch(handlers(), 'instances.logs.subscribe', { name: 'a', tail: -1 }, client);
    expect(!tail.ok && tail.error.details?.path).toBe('tail');
  });

  it('passes valid input to the handler and wraps the value', async () => {
    const start = vi.fn(async (input: { name: string }) => ({ opId: `op-${input.name}` }));
    const r = await dispatch(handlers({ 'instances.start': start }), 'instances.start', { name: 'blog' }, client);
    expect(r).toEqual({ ok: true, value: { opId: 'op-blog' } });
    expect(start).toHaveBeenCalledWith({ name: 'blog' }, client);
    expect(await dispatch(handlers(), 'app.info', null, client)).toEqual({ ok: true, value: 'app.info' });
  });

  it('turns thrown errors into envelopes: EngawaErrors keep code and details, others become INTERNAL', async () => {
    const busy = await dispatch(
      handlers({ 'instances.get': async () => Promise.reject(new EngawaError('BUSY', 'Busy.', { op: 'start' })) }),
      'instances.get',
      { name: 'a' },
      client,
    );
    expect(busy).toEqual({ ok: false, error: { code: 'BUSY', message: 'Busy.', details: { op: 'start' } } });
    const boom = await dispatch(handlers({ 'stacks.list': async () => Promise.reject(new TypeError('boom')) }), 'stacks.list', undefined, client);
    expect(boom).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'boom' } });
  });
});

describe('parseInput', () => {
  it('lists every issue in details', () => {
    try {
      parseInput('instances.exportCompose', { name: '', dir: 3 });
      expect.unreachable();
    } catch (e) {
      expect((e as EngawaError).details?.issues).toHaveLength(2);
    }
  });
});

describe('openSession', () => {
  it('forwards broadcast events except those addressed past it, and stops after close', async () => {
    const bus = new EventBus();
    let ctx: ClientContext | undefined;
    const core: Core = {
      handlers: handlers({ 'ops.list': async (_i, c) => ((ctx = c), []) }),
      subscribe: (l) => bus.subscribe(l),
      close: async () => {},
    };
    const got: string[] = [];
    const session = openSession(core, (m) => got.push(`${m.event}:${JSON.stringify(m.payload)}`));
    await session.call('ops.list', undefined);
    const closed = vi.fn();
    ctx?.onClose(closed);
    bus.emit('instance.state', { name: 'a', state: 'running' });
    bus.emit('instance.state', { name: 'b', state: 'running' }, session.id);
    ctx?.send('logs.end', { subscriptionId: 's' });
    session.close();
    bus.emit('instance.state', { name: 'c', state: 'running' });
    ctx?.send('logs.end', { subscriptionId: 't' });
    expect(got).toEqual(['instance.state:{"name":"a","state":"running"}', 'logs.end:{"subscriptionId":"s"}']);
    expect(closed).toHaveBeenCalledOnce();
  });
});

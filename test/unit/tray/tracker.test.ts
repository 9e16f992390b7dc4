/** The shell's instance tracker follows pushed events and runs operations to their end. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiEventMessage, InstanceSummary, InstanceUpdateInfo } from '../../../electron/shared/contract';
import type { BusListener, Core, Handlers } from '../../../electron/core/api/types';
import { trackInstances, type StateChange } from '../../../electron/core/tray/tracker';
import type { TrayInstance } from '../../../electron/core/tray/model';
import { fakeCore, type FakeCore } from '../api/fake-core';

let f: FakeCore;
beforeEach(async () => {
  f = await fakeCore();
});
afterEach(async () => f.cleanup());

async function until<T>(fn: () => T | undefined): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('timed out');
}

describe('trackInstances', () => {
  it('sees a new instance, its states, and a stop run to the end', async () => {
    const seen: TrayInstance[][] = [];
    const changes: StateChange[] = [];
    const tracker = trackInstances(f.core, (list, change) => {
      seen.push(list);
      if (change) changes.push(change);
    });
    await until(() => (seen.length > 0 ? true : undefined));
    expect(tracker.instances()).toEqual([]);
    const { opId } = await tracker.call('instances.create', { stack: 'teststack', name: 'blog', domain: 'example.com' });
    expect(opId).toMatch(/-/);
    await until(() => tracker.instances().find((i) => i.name === 'blog' && i.state === 'running'));
    // 'running' is pushed as the create's last step; the create still holds the instance until it ends
    for (let i = 0; i < 500 && (await tracker.call('ops.list', undefined)).some((o) => o.opId === opId); i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(tracker.instances()[0]).toMatchObject({ name: 'blog', domain: 'example.com', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    await tracker.runOp('instances.stop', 'blog');
    expect(tracker.instances()[0]?.state).toBe('stopped');
    expect(changes.map((c) => c.next)).toEqual(expect.arrayContaining(['stopping', 'stopped']));
    await expect(tracker.runOp('instances.start', 'ghost')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    tracker.close();
  });
});

describe('security updates', () => {
  const summary = (name: string): InstanceSummary => ({
    name,
    stack: 'test-web',
    domain: `${name}.example.com`,
    state: 'running',
    createdAt: '2026-01-01T00:00:00.000Z',
    localUrl: 'http://127.0.0.1:28001',
    publicUrl: null,
  });
  const info = (name: string, over: Partial<InstanceUpdateInfo>): InstanceUpdateInfo => ({
    name,
    stack: 'test-web',
    current: '1.0.0',
    steps: [],
    security: false,
    newest: '1.1.0',
    downloadBytes: 0,
    downtimeS: 0,
    passphraseKept: true,
    ...over,
  });

  it('marks the servers that have one, and asks again once an update ends', async () => {
    let updates: InstanceUpdateInfo[] = [info('blog', { target: '1.1.0', security: true }), info('home', { target: '1.1.0' })];
    const listeners = new Set<BusListener>();
    const handlers = {
      'instances.list': async () => [summary('blog'), summary('home')],
      'updates.list': async () => updates,
    } as Partial<Handlers> as Handlers;
    const core: Core = { handlers, subscribe: (l) => (listeners.add(l), () => listeners.delete(l)), close: async () => {} };
    const seen: TrayInstance[][] = [];
    const tracker = trackInstances(core, (list) => seen.push(list));
    await until(() => tracker.instances().find((i) => i.securityUpdate !== undefined));
    expect(tracker.instances().map((i) => [i.name, i.securityUpdate])).toEqual([
      ['blog', '1.1.0'],
      ['home', undefined],
    ]);
    updates = [info('blog', { current: '1.1.0' }), info('home', { target: '1.1.0' })];
    const done: ApiEventMessage = { event: 'op.done', payload: { opId: 'x', op: 'update', instance: 'blog' } };
    for (const l of listeners) l(done);
    await until(() => (tracker.instances().every((i) => i.securityUpdate === undefined) ? true : undefined));
    expect(seen.at(-1)?.map((i) => i.securityUpdate)).toEqual([undefined, undefined]);
    tracker.close();
  });
});

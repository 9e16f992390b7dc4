/** The shell's instance tracker follows pushed events and runs operations to their end. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

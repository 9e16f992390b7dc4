/** Operations: progress is tagged with the operation, pull progress coalesced, the last state never lost. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiEventMessage } from '../../../electron/shared/contract';
import type { Progress } from '../../../electron/core/util/progress';
import { EventBus } from '../../../electron/core/api/events';
import { Operations, PULL_EVENT_INTERVAL_MS } from '../../../electron/core/api/ops';
import type { ClientContext } from '../../../electron/core/api/types';
import type { OpContext } from '../../../electron/core/api/ops';

const client: ClientContext = { id: 'c', send: () => {}, onClose: () => {} };
const pull = (current: number, image = 'img:1'): Progress => ({ kind: 'pull', image, current, total: 100, layersDone: 0, layers: 1, status: 'Downloading' });

afterEach(() => vi.useRealTimers());

function setup() {
  const bus = new EventBus();
  const events: ApiEventMessage[] = [];
  bus.subscribe((m) => events.push(m));
  const ops = new Operations(bus);
  let ctx!: OpContext;
  let finish!: () => void;
  const { opId } = ops.start(
    'create',
    'blog',
    client,
    async (c) => {
      ctx = c;
      await new Promise<void>((r) => (finish = r));
      return undefined;
    },
    { cancellable: true },
  );
  const progress = () => events.filter((e) => e.event === 'op.progress').map((e) => (e.payload as { progress: Progress }).progress);
  return { ops, events, opId, ctx: () => ctx, finish: () => finish(), progress };
}

describe('Operations', () => {
  it('coalesces a burst of pull events, flushing the latest before other progress and at the end', async () => {
    vi.useFakeTimers();
    const s = setup();
    await Promise.resolve();
    for (let i = 1; i <= 50; i++) s.ctx().onProgress(pull(i));
    expect(s.progress()).toEqual([pull(1)]);
    vi.advanceTimersByTime(PULL_EVENT_INTERVAL_MS);
    expect(s.progress()).toEqual([pull(1), pull(50)]);
    s.ctx().onProgress(pull(60));
    s.ctx().onProgress(pull(70));
    s.ctx().onProgress({ kind: 'step', step: 'Set up the database', state: 'start' });
    expect(s.progress().slice(2)).toEqual([pull(60), pull(70), { kind: 'step', step: 'Set up the database', state: 'start' }]);
    s.ctx().onProgress(pull(80, 'other:2'));
    s.ctx().onProgress(pull(90, 'other:2'));
    s.finish();
    await vi.runAllTimersAsync();
    expect(s.progress().at(-1)).toEqual(pull(90, 'other:2'));
    expect(s.events.at(-1)).toEqual({ event: 'op.done', payload: { opId: s.opId, op: 'create', instance: 'blog' } });
    expect(s.events.every((e) => e.event !== 'op.progress' || (e.payload as { opId: string }).opId === s.opId)).toBe(true);
  });

  it('reports a cancelled operation as CANCELLED', async () => {
    const bus = new EventBus();
    const events: ApiEventMessage[] = [];
    bus.subscribe((m) => events.push(m));
    const ops = new Operations(bus);
    const { opId } = ops.start(
      'start',
      'blog',
      client,
      (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))),
      { cancellable: true },
    );
    expect(ops.cancel(opId)).toBe(true);
    await ops.settled();
    expect(events).toEqual([
      { event: 'op.failed', payload: { opId, op: 'start', instance: 'blog', error: { code: 'CANCELLED', message: 'The operation was cancelled.' } } },
    ]);
    expect(ops.cancel(opId)).toBe(false);
  });
});

import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EventCursor, parseEvent, watchEvents, type RawEvent } from '../../../electron/core/engine/events';
import { type EngineEvent } from '../../../electron/core/engine/types';
import { LABELS } from '../../../electron/core/plan/types';

const attrs = { [LABELS.project]: 'engawa-x', [LABELS.service]: 'db', [LABELS.role]: 'service', name: 'engawa-x-db-1' };
const raw = (action: string, nano: number, extra: Record<string, string> = {}, id = 'c1'): RawEvent => ({
  Type: 'container',
  Action: action,
  Actor: { ID: id, Attributes: { ...attrs, ...extra } },
  time: Math.floor(nano / 1e9),
  timeNano: nano,
});

describe('parseEvent', () => {
  it('normalises a die event with its exit code', () => {
    expect(parseEvent(raw('die', 1_700_000_000_123_000_000, { exitCode: '137' }))).toEqual({
      project: 'engawa-x',
      service: 'db',
      containerId: 'c1',
      action: 'die',
      exitCode: 137,
      time: 1_700_000_000_123,
    });
  });
  it('reads health from health_status', () => {
    expect(parseEvent(raw('health_status: healthy', 1e18))).toMatchObject({ action: 'health_status', health: 'healthy' });
    expect(parseEvent(raw('health_status: unhealthy', 1e18))).toMatchObject({ health: 'unhealthy' });
  });
  it('drops noise, task containers and foreign containers', () => {
    expect(parseEvent(raw('exec_start: sh -c true', 1e18))).toBeUndefined();
    expect(parseEvent(raw('start', 1e18, { [LABELS.role]: 'task' }))).toBeUndefined();
    expect(parseEvent({ Type: 'container', Action: 'start', Actor: { ID: 'x', Attributes: {} }, time: 1 })).toBeUndefined();
    expect(parseEvent({ ...raw('create', 1e18), Type: 'network' })).toBeUndefined();
  });
});

describe('EventCursor', () => {
  it('drops replayed events and gives the reconnect point in seconds', () => {
    const c = new EventCursor();
    expect(c.since()).toBeUndefined();
    c.markConnected(1000);
    expect(c.since()).toBe(1000);
    expect(c.accept(raw('start', 2_000_500_000_000))).toBe(true);
    expect(c.accept(raw('die', 2_000_500_000_000))).toBe(true);
    expect(c.accept(raw('start', 2_000_500_000_000))).toBe(false);
    expect(c.accept(raw('stop', 2_000_100_000_000))).toBe(false);
    expect(c.since()).toBe(2000);
    expect(c.accept(raw('start', 2_000_600_000_000))).toBe(true);
  });
});

describe('watchEvents', () => {
  it('reconnects after the stream ends, asking for events since the last one, without duplicates', async () => {
    const streams = [new PassThrough(), new PassThrough()];
    const calls: { since?: number }[] = [];
    let failOnce = true;
    const docker = {
      getEvents: async (opts: { since?: number }) => {
        calls.push(opts);
        if (calls.length === 2 && failOnce) {
          failOnce = false;
          throw new Error('connect ECONNREFUSED');
        }
        const s = streams.shift();
        if (!s) throw new Error('no more streams');
        return s;
      },
    };
    const events: EngineEvent[] = [];
    const connection: boolean[] = [];
    const first = streams[0] as PassThrough;
    const second = streams[1] as PassThrough;
    const sub = watchEvents(
      docker as never,
      (e) => events.push(e),
      (c) => connection.push(c),
      { minDelayMs: 1, maxDelayMs: 2 },
    );

    await expect.poll(() => connection).toEqual([true]);
    const e1 = JSON.stringify(raw('start', 5_000_000_000_000));
    // a line split across chunks, then the engine goes away
    first.write(e1.slice(0, 10));
    first.write(`${e1.slice(10)}\n`);
    await expect.poll(() => events.length).toBe(1);
    first.end();

    await expect.poll(() => connection).toEqual([true, false, true]);
    expect(calls.length).toBe(3);
    expect(calls[2]?.since).toBe(5000);
    // the engine replays the event we already had, then a new one
    second.write(`${e1}\n${JSON.stringify(raw('die', 5_000_200_000_000, { exitCode: '0' }))}\n`);
    await expect.poll(() => events.map((e) => e.action)).toEqual(['start', 'die']);

    sub.close();
    expect(second.destroyed).toBe(true);
  });
});

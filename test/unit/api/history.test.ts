/**
 * `instances.history` over the real core and the in-memory engine (fake-core.ts): the states the
 * core pushes while a server is created, stopped and started are recorded in its log (Engawa's
 * while its operation runs, Docker's otherwise), a watchdog action on it too, and closing the core
 * writes `closed`; the method answers the last 7 days with the server up since it last started.
 * A history written before (the PC slept) shows as unknown. Deleting the server deletes its log,
 * and an unknown server is NOT_FOUND. The recorder alone: a heartbeat on its slow timer, a state
 * told twice written once, `closed` when it stops, and nothing after.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { InstanceHistory } from '../../../electron/shared/contract';
import { EventBus } from '../../../electron/core/api/events';
import { createHistoryApi } from '../../../electron/core/api/history';
import type { Operations } from '../../../electron/core/api/ops';
import type { Services } from '../../../electron/core/api/wiring';
import { historyFile, readHistory } from '../../../electron/core/watch/history';
import { useCoreSession, valueOf } from './fake-core';

const api = useCoreSession();
const value = valueOf;

describe('instances.history', () => {
  it('records the pushed states and a watchdog action, and answers the last 7 days', async () => {
    const before = Date.now();
    await api.run('instances.create', { stack: 'teststack', name: 'blog', domain: 'example.com' });
    await api.run('instances.stop', { name: 'blog' });
    await api.run('instances.start', { name: 'blog' });
    api.f.core.bus.emit('watch.action', { instance: 'blog', service: 'web', kind: 'restart', reason: 'web stayed unhealthy', at: new Date().toISOString() });

    const h = await value<InstanceHistory>(api.session.call('instances.history', { name: 'blog' }));
    const records = await readHistory(api.f.home, 'blog');
    const states = records.map((r) => r.state);
    expect(states).toEqual(expect.arrayContaining(['creating', 'running', 'stopping', 'stopped', 'starting']));
    expect(states.indexOf('stopped')).toBeGreaterThan(states.indexOf('running'));
    expect(records.filter((r) => r.state === 'stopping').map((r) => r.source)).toEqual(['engawa']); // during Engawa's stop
    expect(records.at(-1)).toMatchObject({ state: 'running', source: 'watchdog', reason: 'restart: web stayed unhealthy' });
    expect(h.actions).toEqual([{ at: records.at(-1)!.at, kind: 'restart', reason: 'web stayed unhealthy' }]); // shown under the strip
    // an action on the engine as a whole goes into every server's history
    api.f.core.bus.emit('watch.action', {
      instance: null,
      service: null,
      kind: 'engine-down',
      reason: 'Docker cannot be reached',
      at: new Date().toISOString(),
    });
    const h2 = await value<InstanceHistory>(api.session.call('instances.history', { name: 'blog' }));
    expect(h2.actions?.map((a) => a.kind)).toEqual(['engine-down', 'restart']);

    expect(Date.parse(h.to) - Date.parse(h.from)).toBe(7 * 24 * 60 * 60 * 1000);
    expect(h.segments.at(-1)).toMatchObject({ kind: 'up', to: h.to });
    expect(h.segments.map((s) => s.kind)).toEqual(expect.arrayContaining(['unknown', 'starting', 'up', 'down']));
    expect(h.upSince).not.toBeNull();
    const lastStart = Date.parse(records.filter((r) => r.state === 'running')[1]?.at ?? '');
    expect(Date.parse(h.upSince ?? '')).toBe(lastStart);
    expect(Date.parse(h.upSince ?? '')).toBeGreaterThanOrEqual(before);
    expect(h.unknownMs).toBeGreaterThan(6 * 24 * 60 * 60 * 1000); // nothing before it was created
    expect(h.upMs + h.startingMs + h.downMs + h.unknownMs).toBe(Date.parse(h.to) - Date.parse(h.from));

    // the core closes (Engawa quits): its last word is "closed"
    await api.f.core.ops.settled();
    await api.f.core.close();
    expect((await readHistory(api.f.home, 'blog')).at(-1)).toMatchObject({ state: 'closed', source: 'engawa' });
  });

  it('shows a recorded sleep as unknown, deletes the log with the server, and knows no ghost', async () => {
    await api.run('instances.create', { stack: 'teststack', name: 'blog', domain: 'example.com' });
    const file = historyFile(api.f.home, 'blog');
    const recorded = await readFile(file, 'utf8');
    const day = 24 * 60 * 60 * 1000;
    const at = (ago: number) => new Date(Date.now() - ago).toISOString();
    const old = [
      { at: at(3 * day), state: 'running', source: 'docker' },
      { at: at(3 * day - 10 * 60_000), state: 'heartbeat', source: 'engawa' },
      { at: at(2 * day), state: 'stopped', source: 'docker' },
    ];
    await writeFile(file, old.map((r) => `${JSON.stringify(r)}\n`).join('') + recorded);
    const h = await value<InstanceHistory>(api.session.call('instances.history', { name: 'blog' }));
    const kinds = h.segments.map((s) => s.kind);
    expect(kinds.slice(0, 3)).toEqual(['unknown', 'up', 'unknown']); // after the last heartbeat: nobody watched
    expect(h.segments[1]).toMatchObject({ from: old[0]?.at, to: old[1]?.at });

    await api.run('instances.destroy', { name: 'blog' });
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    const ghost = await api.session.call('instances.history', { name: 'ghost' });
    expect(ghost).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});

describe('the recorder', () => {
  it('writes a heartbeat of each watched server on its slow timer, the same state once, and closed at the end', async () => {
    const bus = new EventBus();
    const services = { home: api.f.home, manager: { get: async () => ({}) } } as unknown as Services;
    const history = createHistoryApi(services, bus, { list: () => [] } as unknown as Operations, { heartbeatMs: 20 });
    history.start();
    bus.emit('instance.state', { name: 'quiet', state: 'running' });
    bus.emit('instance.state', { name: 'quiet', state: 'running' }); // no change: not written again
    await new Promise((r) => setTimeout(r, 110));
    await history.stop();
    const states = (await readHistory(api.f.home, 'quiet')).map((r) => `${r.state}/${r.source}`);
    expect(states[0]).toBe('running/docker');
    expect(states.filter((s) => s === 'running/docker')).toHaveLength(1);
    expect(states.filter((s) => s === 'heartbeat/engawa').length).toBeGreaterThanOrEqual(2);
    expect(states.at(-1)).toBe('closed/engawa');
    bus.emit('instance.state', { name: 'quiet', state: 'stopped' }); // stopped: hears no more
    await new Promise((r) => setTimeout(r, 30));
    expect((await readHistory(api.f.home, 'quiet')).at(-1)?.state).toBe('closed');
  });
});

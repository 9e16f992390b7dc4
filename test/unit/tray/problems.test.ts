/**
 * The notifications that need time or memory (core/tray/problems.ts): a server down for minutes
 * (not a stop someone asked for; cancelled by recovery), a tunnel still down after the watchdog's
 * restarts of its connector, a disk getting fuller — each at most once per problem until it changes.
 */
import { describe, expect, it } from 'vitest';
import type { ApiEventMessage, DiskLevel, DiskStatusInfo, WatchActionInfo } from '../../../electron/shared/contract';
import { watchProblems, type ProblemTimers } from '../../../electron/core/tray/problems';
import type { DesktopNotification } from '../../../electron/core/tray/notify';
import type { Translate } from '../../../electron/core/tray/strings';
import type { InstanceState } from '../../../electron/shared/contract';

/** Timers run by hand: `advance(ms)` fires what is due. */
function manualTimers(): ProblemTimers & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let next = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    set(fn, ms) {
      const id = ++next;
      due.set(id, { at: now + ms, fn });
      return id;
    },
    clear: (handle) => void due.delete(handle as number),
    advance(ms) {
      now += ms;
      for (const [id, t] of [...due].sort((a, b) => a[1].at - b[1].at)) {
        if (t.at > now) continue;
        due.delete(id);
        t.fn();
      }
    },
    pending: () => due.size,
  };
}

const t: Translate = (key, vars = {}) => `${key}${Object.keys(vars).length > 0 ? ` ${JSON.stringify(vars)}` : ''}`;
const MIN = 60_000;
const flush = () => new Promise((r) => setImmediate(r));

function setUp(tunnelUp: (name: string) => Promise<boolean> = async () => false) {
  const timers = manualTimers();
  const told: DesktopNotification[] = [];
  const asked: string[] = [];
  const watch = watchProblems({
    t: () => t,
    notify: (n) => told.push(n),
    tunnelUp: (name) => (asked.push(name), tunnelUp(name)),
    timers,
  });
  const move = (name: string, ...states: InstanceState[]) => {
    for (let i = 1; i < states.length; i++) watch.stateChanged({ name, previous: states[i - 1], next: states[i] as InstanceState });
  };
  return { timers, told, asked, watch, move };
}

describe('a server down for more than 5 minutes', () => {
  it('is told once, with a Restart button and a click that opens its dashboard', () => {
    const { timers, told, move } = setUp();
    move('blog', 'running', 'error');
    timers.advance(5 * MIN - 1);
    expect(told).toEqual([]);
    timers.advance(1);
    expect(told).toEqual([
      {
        title: 'notify.serverDown.title {"name":"blog","minutes":5}',
        body: 'notify.serverDown.body {"name":"blog","minutes":5}',
        instance: 'blog',
        click: { type: 'open-dashboard', name: 'blog' },
        actions: [{ label: 'notify.serverDown.restart', action: { type: 'restart', name: 'blog' } }],
      },
    ]);
    // it stays down, moving between down states: nothing more until it changes
    move('blog', 'error', 'degraded', 'error', 'starting', 'error');
    timers.advance(60 * MIN);
    expect(told).toHaveLength(1);
    // it ran again and fell again: a new problem, told again
    move('blog', 'error', 'running', 'degraded');
    timers.advance(5 * MIN);
    expect(told).toHaveLength(2);
  });

  it('counts from leaving running for stopped (unexpectedly) or degraded too', () => {
    const { timers, told, move } = setUp();
    move('a', 'running', 'stopped');
    move('b', 'running', 'degraded');
    timers.advance(5 * MIN);
    expect(told.map((n) => n.instance)).toEqual(['a', 'b']);
  });

  it('says nothing for a stop someone asked for (it goes through stopping), nor for a failed start', () => {
    const { timers, told, move } = setUp();
    move('blog', 'running', 'stopping', 'stopped');
    move('home', 'stopped', 'starting', 'error');
    timers.advance(30 * MIN);
    expect(told).toEqual([]);
    expect(timers.pending()).toBe(0);
  });

  it('cancels the timer when the server recovers, or someone stops or deletes it meanwhile', () => {
    const { timers, told, move } = setUp();
    move('a', 'running', 'degraded', 'running');
    move('b', 'running', 'error', 'stopping', 'stopped');
    move('c', 'running', 'error', 'destroying');
    expect(timers.pending()).toBe(0);
    timers.advance(10 * MIN);
    expect(told).toEqual([]);
  });
});

const action = (over: Partial<WatchActionInfo>): ApiEventMessage => ({
  event: 'watch.action',
  payload: { instance: 'blog', service: 'cloudflared', kind: 'restart', reason: 'not ready', at: '2026-01-01T00:00:00.000Z', ...over },
});

describe('a tunnel down', () => {
  it('asks the tunnel once, 5 minutes after the watchdog acted on the connector, and tells it once', async () => {
    const { timers, told, asked, watch } = setUp(async () => false);
    watch.message(action({}));
    watch.message(action({})); // a second restart joins the first
    timers.advance(5 * MIN);
    await flush();
    expect(asked).toEqual(['blog']);
    expect(told).toEqual([
      {
        title: 'notify.tunnelDown.title {"name":"blog"}',
        body: 'notify.tunnelDown.body {"name":"blog"}',
        instance: 'blog',
        click: { type: 'open-dashboard', name: 'blog' },
      },
    ]);
    // the watchdog restarts it again: asked again, still down, not told again
    watch.message(action({}));
    timers.advance(5 * MIN);
    await flush();
    expect(asked).toEqual(['blog', 'blog']);
    expect(told).toHaveLength(1);
    // a give-up is told by its own notification (notify.ts): it starts no check of its own
    watch.message(action({ kind: 'give-up' }));
    expect(timers.pending()).toBe(0);
  });

  it('after the server runs again, the next outage of its tunnel is told again', async () => {
    const { timers, told, watch, move } = setUp(async () => false);
    watch.message(action({}));
    timers.advance(5 * MIN);
    await flush();
    expect(told).toHaveLength(1);
    move('blog', 'degraded', 'running'); // the connector healthy again by itself
    watch.message(action({}));
    timers.advance(5 * MIN);
    await flush();
    expect(told).toHaveLength(2);
  });

  it('tells nothing when the tunnel is up by then, and tells its next outage', async () => {
    let up = true;
    const { timers, told, watch } = setUp(async () => up);
    watch.message(action({}));
    timers.advance(5 * MIN);
    await flush();
    expect(told).toEqual([]);
    up = false;
    watch.message(action({}));
    timers.advance(5 * MIN);
    await flush();
    expect(told).toHaveLength(1);
  });

  it('ignores other services, other actions, and forgets a tunnel whose server is stopped', async () => {
    const { timers, told, asked, watch, move } = setUp(async () => false);
    watch.message(action({ service: 'web' }));
    watch.message(action({ kind: 'recheck' }));
    watch.message(action({ instance: null, service: null, kind: 'engine-down' }));
    expect(timers.pending()).toBe(0);
    watch.message(action({}));
    move('blog', 'running', 'stopping');
    timers.advance(10 * MIN);
    await flush();
    expect(asked).toEqual([]);
    expect(told).toEqual([]);
  });
});

const disk = (level: DiskLevel, freeBytes = 1.5 * 1024 ** 3, stoppedByGuard: string[] = []): ApiEventMessage => ({
  event: 'disk.changed',
  payload: {
    level,
    places: [
      { place: 'docker', path: null, freeBytes, totalBytes: 100 * 1024 ** 3, level },
      { place: 'backups', path: '/b', freeBytes: 50 * 1024 ** 3, totalBytes: 100 * 1024 ** 3, level: 'ok' },
    ],
    checkedAt: '2026-01-01T00:00:00.000Z',
    thresholds: { warnBytes: 10 * 1024 ** 3, warnPercent: 10, criticalBytes: 2 * 1024 ** 3 },
    stoppedByGuard,
  } satisfies DiskStatusInfo,
});

describe('the disk', () => {
  it('tells a warning, then critical, once each, naming the place and its free space; not again while it stays or gets better', () => {
    const { told, watch } = setUp();
    watch.message(disk('ok', 50 * 1024 ** 3));
    watch.message(disk('warning', 8 * 1024 ** 3));
    watch.message(disk('warning', 7 * 1024 ** 3));
    watch.message(disk('critical', 1.5 * 1024 ** 3));
    watch.message(disk('critical', 1.5 * 1024 ** 3, ['blog'])); // the guard stopped a server: same level, told already
    watch.message(disk('warning', 5 * 1024 ** 3));
    expect(told.map((n) => n.title)).toEqual(['notify.diskWarning.title', 'notify.diskCritical.title']);
    expect(told[0]?.body).toContain('"place":"notify.disk.place.docker"');
    expect(told[0]?.body).toMatch(/"free":"8(\.0)? GB"/);
    // worse again after getting better, and again after space came back
    watch.message(disk('critical'));
    watch.message(disk('ok', 50 * 1024 ** 3));
    watch.message(disk('warning', 8 * 1024 ** 3));
    expect(told.map((n) => n.title)).toEqual([
      'notify.diskWarning.title',
      'notify.diskCritical.title',
      'notify.diskCritical.title',
      'notify.diskWarning.title',
    ]);
  });
});

describe('close', () => {
  it('drops every pending timer and tells nothing after', async () => {
    const { timers, told, watch, move } = setUp();
    move('blog', 'running', 'error');
    watch.message(action({}));
    watch.close();
    expect(timers.pending()).toBe(0);
    watch.message(disk('critical'));
    expect(told).toEqual([]);
  });
});

/**
 * `instances.history`: the last 7 days of a server as uptime segments (core/watch/history.ts), and
 * the recorder behind it. The recorder listens to the bus: every `instance.state` the core pushes
 * (from the manager's state cache; an Engawa operation running on the instance makes it Engawa's,
 * else Docker's) and every `watch.action` of the watchdog on an instance are appended to the
 * instance's log (one on the engine as a whole, to every watched instance's). The first state of each instance after Engawa starts is always written (it ends
 * the "not running" gap); then a heartbeat per watched instance every HEARTBEAT_MS (a slow timer)
 * and `closed` when the core closes. Each log is trimmed when first written in a process and then
 * once a day. A deleted server's log goes with it (`forget`). The watchdog's last actions (when,
 * what, why) come with the segments, for the dashboard's history under the strip.
 */
import type { HistoryActionInfo, InstanceHistory, InstanceState } from '../../shared/contract';
import { toEngawaError } from '../util/errors';
import { appendHistory, forgetHistory, HEARTBEAT_MS, readHistory, trimHistory, uptimeOf, type HistoryRecord } from '../watch/history';
import type { EventBus } from './events';
import type { Operations } from './ops';
import type { Handlers } from './types';
import type { Services } from './wiring';

const DAY_MS = 24 * 60 * 60 * 1000;
export const HISTORY_DAYS = 7;
/** how many of the watchdog's last actions `instances.history` returns */
export const HISTORY_ACTIONS = 10;

/** The watchdog's actions recorded since `from` (written as "<kind>: <reason>"), newest first. */
export function actionsOf(records: readonly HistoryRecord[], from: number): HistoryActionInfo[] {
  const out: HistoryActionInfo[] = [];
  for (const r of records) {
    const m = r.source === 'watchdog' && r.reason !== undefined ? /^([a-z-]+): ([\s\S]*)$/.exec(r.reason) : null;
    if (m && Date.parse(r.at) >= from) out.push({ at: r.at, kind: m[1]!, reason: m[2]! });
  }
  return out.slice(-HISTORY_ACTIONS).reverse();
}

export interface HistoryOptions {
  now?: () => number;
  heartbeatMs?: number;
}

export interface HistoryApi {
  handlers: Pick<Handlers, 'instances.history'>;
  /** listens to the bus and arms the heartbeat */
  start(): void;
  /** writes `closed` for each watched instance and stops */
  stop(): Promise<void>;
  forget(name: string): Promise<void>;
}

export function createHistoryApi(
  services: Services,
  bus: EventBus,
  ops: Operations,
  opts: HistoryOptions = {},
  log: (line: string) => void = () => {},
): HistoryApi {
  const { home, manager } = services;
  const now = opts.now ?? Date.now;
  /** the last state written per instance in this process */
  const last = new Map<string, InstanceState>();
  const trimmedAt = new Map<string, number>();
  /** one write at a time per instance, in order */
  const queues = new Map<string, Promise<void>>();
  let off: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;

  /** Queues one record of `name` (written in order; a failure goes to the log). */
  const write = (name: string, record: Omit<HistoryRecord, 'at'>): void => {
    const at = now();
    const next = (queues.get(name) ?? Promise.resolve())
      .then(async () => {
        const trimmed = trimmedAt.get(name);
        if (trimmed === undefined || at - trimmed >= DAY_MS) {
          trimmedAt.set(name, at);
          await trimHistory(home, name, at);
        }
        await appendHistory(home, name, { at: new Date(at).toISOString(), ...record });
      })
      .catch((e: unknown) => log(`cannot write the history of "${name}": ${toEngawaError(e).message}`));
    queues.set(name, next);
  };

  const onState = (name: string, state: InstanceState): void => {
    if (last.get(name) === state) return;
    last.set(name, state);
    const ours = ops.list().some((o) => o.instance === name);
    write(name, { state, source: ours ? 'engawa' : 'docker' });
  };

  const beat = (): void => {
    for (const name of last.keys()) write(name, { state: 'heartbeat', source: 'engawa' });
  };

  return {
    handlers: {
      'instances.history': async ({ name }) => {
        await manager.get(name);
        await queues.get(name);
        const to = now();
        const records = await readHistory(home, name);
        const u = uptimeOf(records, to, HISTORY_DAYS);
        const iso = (t: number): string => new Date(t).toISOString();
        const history: InstanceHistory = {
          segments: u.segments.map((s) => ({ from: iso(s.from), to: iso(s.to), kind: s.kind })),
          upMs: u.upMs,
          startingMs: u.startingMs,
          downMs: u.downMs,
          unknownMs: u.unknownMs,
          upSince: u.upSince ?? null,
          from: iso(to - HISTORY_DAYS * DAY_MS),
          to: iso(to),
          actions: actionsOf(records, to - HISTORY_DAYS * DAY_MS),
        };
        return history;
      },
    },
    start() {
      if (off !== undefined) return;
      off = bus.subscribe(({ event, payload }) => {
        if (event === 'instance.state') onState(payload.name, payload.state);
        else if (event === 'watch.action') {
          // an action on the engine as a whole (Docker gone or back, its disk) concerns every server
          const names = payload.instance === null ? [...last.keys()] : last.has(payload.instance) ? [payload.instance] : [];
          for (const n of names) write(n, { state: last.get(n) as InstanceState, source: 'watchdog', reason: `${payload.kind}: ${payload.reason}` });
        }
      });
      timer = setInterval(beat, opts.heartbeatMs ?? HEARTBEAT_MS);
      timer.unref?.();
    },
    async stop() {
      off?.();
      off = undefined;
      if (timer !== undefined) clearInterval(timer);
      for (const name of last.keys()) write(name, { state: 'closed', source: 'engawa' });
      await Promise.all(queues.values());
      last.clear();
    },
    async forget(name) {
      last.delete(name);
      trimmedAt.delete(name);
      await queues.get(name);
      queues.delete(name);
      await forgetHistory(home, name);
    },
  };
}

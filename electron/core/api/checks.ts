/**
 * The `checks.*` methods of the contract (core/check behind them): the outside-in check of a server
 * on demand, the last one kept, a PDS's "ask the relay to crawl", and the daily check. Each check
 * that ends is told to every client (`check.done`, with whether the one before it passed, so the
 * tray can say when a server that could be reached no longer can). The daily check is a slow timer
 * (hourly): a running server with a tunnel whose last check is a day old is checked again; a
 * computer that slept catches up at the next tick. A deleted server's check goes with it.
 */
import type { CheckResultInfo } from '../../shared/contract';
import { checkInstance, checkTargetOf, forgetCheck, lastCheck, requestCrawl, type CheckOptions, type CheckResult } from '../check/index';
import { toEngawaError } from '../util/errors';
import type { EventBus } from './events';
import type { Handlers } from './types';
import type { Services } from './wiring';

/** The check methods of the contract. */
export type CheckMethod = Extract<keyof Handlers, `checks.${string}`>;

/** How often the daily check looks for servers due, and how old a check may get. */
export const CHECK_TICK_MS = 60 * 60 * 1000;
export const CHECK_EVERY_MS = 24 * 60 * 60 * 1000;

export interface CheckApiOptions extends CheckOptions {
  /** the first look for servers due, after the core starts (default 5 minutes: let servers start first) */
  firstTickMs?: number;
  tickMs?: number;
}

export interface CheckApi {
  handlers: Pick<Handlers, CheckMethod>;
  /** arms the daily check */
  start(): void;
  /** a deleted server's last check goes with it */
  forget(name: string): Promise<void>;
  stop(): void;
}

export function createCheckApi(services: Services, bus: EventBus, opts: CheckApiOptions = {}, log: (line: string) => void = () => {}): CheckApi {
  const { manager, home } = services;
  const now = opts.now ?? Date.now;
  const deps = { home, manager };
  const { firstTickMs: _f, tickMs: _t, ...checkOptions } = opts;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  /** Runs the check of `name`, keeps it and tells every client how it went; a second call while one runs joins it (one event). */
  const running = new Map<string, Promise<CheckResult>>();
  const run = (name: string): Promise<CheckResult> => {
    const current = running.get(name);
    if (current !== undefined) return current;
    const next = (async () => {
      const before = await lastCheck(home, name);
      const result = await checkInstance(deps, name, checkOptions);
      bus.emit('check.done', {
        name,
        ok: result.ok,
        previousOk: before?.ok ?? null,
        failed: result.counts.failed,
        checkedAt: result.checkedAt,
      });
      return result;
    })().finally(() => running.delete(name));
    running.set(name, next);
    return next;
  };

  /** The servers due for their daily check: running, with a tunnel, last checked a day ago or never. */
  const tick = async (): Promise<void> => {
    for (const record of await manager.list()) {
      if (stopped) return;
      if (record.tunnel === null || record.pending) continue;
      const last = await lastCheck(home, record.name);
      if (last !== null && now() - Date.parse(last.checkedAt) < CHECK_EVERY_MS) continue;
      const state = manager.states.get(record.name) ?? (await manager.status(record.name).catch(() => undefined))?.state;
      if (state !== 'running') continue;
      const result = await run(record.name).catch((e: unknown) => {
        log(`the daily check of "${record.name}" could not run: ${toEngawaError(e).message}`);
        return undefined;
      });
      if (result) log(`the daily check of "${record.name}": ${result.ok ? 'nothing failed' : `${result.counts.failed} failed`}`);
    }
  };
  const arm = (delay: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      tick()
        .catch((e: unknown) => log(`the daily check failed: ${toEngawaError(e).message}`))
        .finally(() => arm(opts.tickMs ?? CHECK_TICK_MS));
    }, delay);
    timer.unref?.();
  };

  const handlers: Pick<Handlers, CheckMethod> = {
    'checks.run': async ({ name }) => {
      await manager.get(name);
      return toInfo(await run(name));
    },
    'checks.last': async ({ name }) => {
      await manager.get(name);
      const last = await lastCheck(home, name);
      return last === null ? null : toInfo(last);
    },
    'checks.requestCrawl': async ({ name }) => {
      const target = await checkTargetOf(deps, name, checkOptions);
      return requestCrawl(target, checkOptions);
    },
  };

  return {
    handlers,
    start() {
      stopped = false;
      arm(opts.firstTickMs ?? 5 * 60 * 1000);
    },
    forget: (name) => forgetCheck(home, name),
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}

/** The kept result as the contract carries it. */
function toInfo(r: CheckResult): CheckResultInfo {
  return { ...r, items: r.items.map((i) => ({ ...i, details: { ...i.details, request: i.details.request && { ...i.details.request } } })) };
}

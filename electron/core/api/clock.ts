/**
 * The `system.clock` and `system.fixClock` methods of the contract (core/watch/clock.ts behind
 * them): the engine's clock against this computer's. The last measurement is kept and reused for a
 * period (4 hours); `system.clock` measures when none is known or it is older. When the shell asks
 * for it (CoreDeps.clock), a timer measures every period and a wake from sleep (the core's
 * `recheck`) measures again. A change of the verdict is told to every client (`clock.changed`).
 * Nothing here sets a clock except `system.fixClock`, which a person's press of a button calls.
 */
import type { ClockInfo } from '../../shared/contract';
import { clockFlavor, fixEngineClock, measureClock, type ClockMeasurement } from '../watch/index';
import { EngawaError, toEngawaError } from '../util/errors';
import type { EventBus } from './events';
import type { Handlers } from './types';
import type { Services } from './wiring';

/** How long a measurement is reused, and how often the shells' timer measures. */
export const CLOCK_PERIOD_MS = 4 * 60 * 60 * 1000;

export interface ClockApiOptions {
  /** the first measurement after the core starts (default a minute) */
  firstTickMs?: number;
  periodMs?: number;
  /** this computer's clock (tests) */
  now?: () => number;
}

export interface ClockApi {
  handlers: Pick<Handlers, 'system.clock' | 'system.fixClock'>;
  /** arms the periodic measurement (only with options: the shells) */
  start(): void;
  /** after a wake from sleep: measures again (only once started) */
  afterWake(): void;
  stop(): void;
}

/** The measurement as the contract carries it. */
export function toClockInfo(m: ClockMeasurement, at: number): ClockInfo {
  return { skewMs: m.skewMs, checkedAt: new Date(at).toISOString(), ok: m.ok, fix: m.fix };
}

export function createClockApi(services: Services, bus: EventBus, opts: ClockApiOptions | undefined, log: (line: string) => void): ClockApi {
  const now = opts?.now ?? Date.now;
  const period = opts?.periodMs ?? CLOCK_PERIOD_MS;
  let last: { info: ClockInfo; at: number } | undefined;
  let measuring: Promise<ClockInfo | null> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let started = false;

  /** Measures (a second call while one runs joins it); tells every client when the verdict changed. */
  const measure = (): Promise<ClockInfo | null> =>
    (measuring ??= (async () => {
      const m = await measureClock(await services.engine(), now);
      if (m === undefined) return null;
      const at = now();
      const info = toClockInfo(m, at);
      const before = last?.info ?? { ok: true, fix: null };
      last = { info, at };
      if (!m.ok) log(`the engine's clock is ${Math.round(Math.abs(m.skewMs) / 1000)} s ${m.skewMs > 0 ? 'ahead of' : 'behind'} this computer's`);
      if (before.ok !== info.ok || before.fix !== info.fix) bus.emit('clock.changed', { ...info });
      return { ...info };
    })().finally(() => {
      measuring = undefined;
    }));

  const background = (why: string): void => {
    measure().catch((e: unknown) => log(`cannot measure the engine's clock (${why}): ${toEngawaError(e).message}`));
  };

  const arm = (delay: number): void => {
    if (!started) return;
    timer = setTimeout(() => {
      background('the periodic check');
      arm(period);
    }, delay);
    timer.unref?.();
  };

  const handlers: ClockApi['handlers'] = {
    'system.clock': async () => (last !== undefined && now() - last.at < period ? { ...last.info } : measure()),
    'system.fixClock': async () => {
      const engine = await services.engine();
      if (clockFlavor(await engine.info()) !== 'desktop') {
        throw new EngawaError(
          'STATE',
          "Engawa sets the clock only of Docker Desktop's VM; this engine uses this computer's clock: turn on NTP (timedatectl set-ntp true).",
        );
      }
      log("setting Docker Desktop's clock from this computer's (asked for)");
      if (!(await fixEngineClock(engine, now))) throw new EngawaError('STATE', "Docker's clock could not be set: its helper container did not run.");
      await measuring?.catch(() => undefined); // a measurement from before the fix must not be the answer
      return measure();
    },
  };

  return {
    handlers,
    start() {
      if (opts === undefined || started) return;
      started = true;
      arm(opts.firstTickMs ?? 60_000);
    },
    afterWake() {
      if (started) background('after a wake');
    },
    stop() {
      started = false;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}

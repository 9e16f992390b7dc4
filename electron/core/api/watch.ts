/**
 * The watchdog of the process that hosts the core (core/watch): the Electron app and `npm run
 * serve` run it, unless `engawa watch` (or another app) already does — one per computer, by the
 * watch lock in the Engawa home. Each action it takes is logged and told to every client
 * (`watch.action`), so the tray can say when a restart did not help. `recheck` is the entry point
 * for a wake from sleep, an unlocked screen and a network change (the Electron adapter forwards
 * them; Docker coming back is noticed by the watchdog itself).
 */
import { acquireWatchLock, createWatchdog, validateTiming, watchStateFile, type Watchdog, type WatchLock, type WatchTiming } from '../watch/index';
import type { SecretStore } from '../instances';
import { isEngawaError, toEngawaError } from '../util/errors';
import type { EventBus } from './events';
import type { Services } from './wiring';
import type { DiskGuardApiOptions } from './disk-guard';

/** What the shell gives to run the watchdog (CoreDeps.watch). */
export interface WatchOptions {
  /** who holds the watch lock, as `engawa watch` names it to a second one ("the Engawa app") */
  by: string;
  /** to redact the last log lines of a service it gives up on */
  secrets?: Pick<SecretStore, 'get'>;
  timing?: Partial<WatchTiming>;
  /** the disk guard's options (api/disk-guard.ts: the clean-up to run, shorter periods in tests) */
  disk?: DiskGuardApiOptions;
}

export interface WatchApi {
  /** takes the watch lock and starts the watchdog; when another process holds the lock, stays off and says so */
  start(): Promise<void>;
  recheck(reason: string): Promise<void>;
  stop(): Promise<void>;
}

/** What runs beside the watchdog, only while this process holds the watch lock (the disk guard). */
export interface WatchCompanion {
  start(): void;
  stop(): Promise<void>;
}

export function createWatchApi(
  services: Services,
  bus: EventBus,
  opts: WatchOptions | undefined,
  log: (line: string) => void,
  companions: readonly WatchCompanion[] = [],
): WatchApi {
  let watchdog: Watchdog | undefined;
  let lock: WatchLock | undefined;
  let stopped = false;
  return {
    async start() {
      if (opts === undefined || stopped) return;
      const timing = validateTiming(opts.timing); // nonsense refused before the lock is taken
      try {
        lock = await acquireWatchLock(services.home, opts.by);
      } catch (e) {
        if (!isEngawaError(e, 'BUSY')) throw e;
        log(`the watchdog stays off here: ${toEngawaError(e).message}`);
        return;
      }
      if (stopped) return void (await lock.release());
      watchdog = createWatchdog({
        manager: services.manager,
        engine: services.engine,
        log: (line) => log(`watchdog: ${line}`),
        onAction: (action) => bus.emit('watch.action', { ...action, ...(action.lastLogLines && { lastLogLines: [...action.lastLogLines] }) }),
        ...(opts.secrets && { secrets: opts.secrets }),
        timing,
        stateFile: watchStateFile(services.home),
      });
      watchdog.start();
      for (const c of companions) c.start();
    },
    async recheck(reason) {
      await watchdog?.recheck(reason);
    },
    async stop() {
      stopped = true;
      await Promise.all(companions.map((c) => c.stop()));
      await watchdog?.stop();
      await lock?.release();
    },
  };
}

/**
 * `system.disk` and the disk guard (core/watch/disk-guard.ts) of the process that hosts the core.
 * The guard acts only where the watchdog runs (started by api/watch.ts while this process holds
 * the watch lock); elsewhere `system.disk` still measures. It stops and starts servers as
 * operations ('stop', 'start') the UI follows like any other, through the instance manager, and
 * tells every client what it did (`watch.action`) and when a level changed (`disk.changed`).
 * Its levels come from the settings (AppSettings.disk) and are read again when they change.
 */
import type { ApiEventMessage } from '../../shared/contract';
import { backupFolders, ScheduleStore } from '../backup/schedule-store';
import { createDiskGuard, DISK_PERIOD_MS, toThresholds, type DiskGuard, type DiskGuardDeps } from '../watch/index';
import type { EventBus } from './events';
import { internalClient, type Operations } from './ops';
import type { SettingsStore } from './settings';
import type { Handlers } from './types';
import type { WatchCompanion } from './watch';
import type { Services } from './wiring';

export interface DiskGuardApiOptions {
  /** runs a server's clean-up now (maintenance: runCleanUp as an operation 'clean'); without it the guard goes straight on */
  cleanUp?: DiskGuardDeps['cleanUp'];
  periodMs?: number;
  fastMs?: number;
  firstCheckMs?: number;
  /** tests: the folders measured on this computer */
  measureFolders?: DiskGuardDeps['measureFolders'];
}

export interface DiskGuardApi extends WatchCompanion {
  handlers: Pick<Handlers, 'system.disk'>;
  /** after a wake from sleep: measures again (only while started) */
  afterWake(): void;
  guard: DiskGuard;
}

export function createDiskGuardApi(
  services: Services,
  bus: EventBus,
  ops: Operations,
  settings: SettingsStore,
  opts: DiskGuardApiOptions = {},
  log: (line: string) => void = () => {},
): DiskGuardApi {
  const client = internalClient('disk-guard');
  const schedules = new ScheduleStore(services.home);
  const period = opts.periodMs ?? DISK_PERIOD_MS;
  let started = false;
  let unsubscribe: (() => void) | undefined;
  let levels = JSON.stringify(settings.get().disk ?? null);
  const guard = createDiskGuard({
    home: services.home,
    manager: services.manager,
    engine: services.engine,
    thresholds: () => toThresholds(settings.get().disk),
    backupFolders: () => backupFolders(services.home, schedules),
    stopServer: (name) => ops.run('stop', name, client, (ctx) => services.manager.stop(name, ctx), { cancellable: false }),
    startServer: (name) => ops.run('start', name, client, (ctx) => services.manager.start(name, ctx), { cancellable: false }),
    log,
    onAction: (action) => bus.emit('watch.action', { ...action }),
    onChange: (status) => bus.emit('disk.changed', status),
    ...(opts.cleanUp && { cleanUp: opts.cleanUp }),
    ...(opts.measureFolders && { measureFolders: opts.measureFolders }),
    ...(opts.periodMs !== undefined && { periodMs: opts.periodMs }),
    ...(opts.fastMs !== undefined && { fastMs: opts.fastMs }),
    ...(opts.firstCheckMs !== undefined && { firstCheckMs: opts.firstCheckMs }),
  });

  const background = (why: string): void => {
    guard.check(why).catch(() => undefined); // check never rejects: it logs
  };

  /** New levels, or Docker back (the watchdog saw it): measure again at once. */
  const onEvent = (m: ApiEventMessage): void => {
    if (m.event === 'settings.changed') {
      const now = JSON.stringify(m.payload.disk ?? null);
      if (now !== levels) background('the disk levels changed');
      levels = now;
    } else if (m.event === 'watch.action' && m.payload.kind === 'engine-back') background('Docker is back');
  };

  return {
    handlers: {
      'system.disk': async () => {
        const last = guard.last();
        return last !== undefined && Date.now() - Date.parse(last.checkedAt) < period ? last : guard.check('asked for');
      },
    },
    start() {
      if (started) return;
      started = true;
      unsubscribe = bus.subscribe(onEvent);
      guard.start();
    },
    async stop() {
      started = false;
      unsubscribe?.();
      await guard.stop();
    },
    afterWake() {
      if (started) background('after a wake');
    },
    guard,
  };
}

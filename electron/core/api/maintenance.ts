/**
 * A server's cache clean-up in the contract: `instances.clean` ("Clean now", an operation 'clean'
 * with a step per task), `instances.maintenance` (its tasks, the days setting, the last and next
 * run) and `instances.maintenance.set` (the days, 1–365). The daily schedule is a companion of the
 * watchdog (api/watch.ts starts it only while this process holds the watch lock); its runs and the
 * disk guard's are operations too, so every window and the tray follow them.
 */
import type { MaintenanceInfo, MaintenanceTaskInfo } from '../../shared/contract';
import type { InstanceRecord } from '../instances';
import { cacheVolumesOf, maintenanceTasks, taskCommand } from '../stacks/maintenance';
import type { Recipe } from '../stacks/types';
import { EngawaError } from '../util/errors';
import { execTasksOf, runCleanUp, type CleanUpContext, type CleanUpDeps, type CleanUpResult } from '../watch/maintenance';
import { CLEAN_AT, CleanScheduler, nextCleanAt } from '../watch/maintenance-schedule';
import { forgetMaintenance, readMaintenance, setMaintenanceDays } from '../watch/maintenance-store';
import { internalClient, type Operations } from './ops';
import type { Handlers } from './types';
import type { WatchCompanion } from './watch';
import type { Services } from './wiring';

export type MaintenanceMethod = 'instances.clean' | 'instances.maintenance' | 'instances.maintenance.set';

export interface MaintenanceApi {
  handlers: Pick<Handlers, MaintenanceMethod>;
  /** the daily clean-up, run beside the watchdog (see the module comment) */
  scheduler: WatchCompanion;
  /** after a wake from sleep: the daily clean-ups look at once at what is due (only where the scheduler runs) */
  afterWake(): void;
  /** the disk guard's clean-up of a server (DiskGuardDeps.cleanUp): an operation 'clean', resolving with what it ran when it ends */
  cleanUp(name: string, reason: string): Promise<CleanUpResult>;
  /** a destroyed server: its days setting and last run go */
  forget(name: string): Promise<void>;
}

/** The days setting, the tasks as the app shows them, the last and next run (pure apart from the record and recipe given). */
export function toMaintenanceInfo(record: InstanceRecord, recipe: Recipe, state: { days: number; lastRun: MaintenanceInfo['lastRun'] }): MaintenanceInfo {
  const tasks = maintenanceTasks(recipe).map((t): MaintenanceTaskInfo => ({
    id: t.id,
    schedule: t.schedule,
    kind: t.kind,
    removes: { ...t.removes },
    ...(t.kind === 'exec' ? { command: taskCommand(t, state.days).join(' ') } : { where: { ...t.where } }),
  }));
  const daily = tasks.some((t) => t.kind === 'exec' && t.schedule === 'daily');
  return {
    name: record.name,
    days: state.days,
    tasks,
    cacheVolumes: cacheVolumesOf(recipe),
    note: recipe.maintenanceNote ? { ...recipe.maintenanceNote } : null,
    dailyAt: CLEAN_AT,
    nextRunAt: daily ? nextCleanAt(CLEAN_AT, state.lastRun?.at, record.createdAt).toISOString() : null,
    lastRun: state.lastRun,
  };
}

export function createMaintenanceApi(services: Services, ops: Operations, log: (line: string) => void, opts: { now?: () => Date } = {}): MaintenanceApi {
  const { manager, home } = services;
  const deps: CleanUpDeps = { manager, engine: services.engine, home, log, ...(opts.now && { now: opts.now }) };
  const client = internalClient('maintenance');

  const info = async (name: string): Promise<MaintenanceInfo> => {
    const record = await manager.get(name);
    return toMaintenanceInfo(record, manager.recipeOf(record), await readMaintenance(home, name));
  };

  /** Runs the clean-up as an operation of this process, resolving when it ends. */
  const asOperation = async (name: string, trigger: NonNullable<CleanUpContext['trigger']>): Promise<CleanUpResult> => {
    let result: CleanUpResult = { ran: [], cacheBytesBefore: null, cacheBytesAfter: null };
    await ops.run('clean', name, client, async (ctx) => void (result = await runCleanUp(deps, name, { ...ctx, trigger })), { cancellable: true });
    return result;
  };

  const scheduler = new CleanScheduler({
    manager,
    home,
    run: async (name) => void (await asOperation(name, 'schedule')),
    log,
    ...(opts.now && { now: opts.now }),
  });

  return {
    handlers: {
      'instances.maintenance': ({ name }) => info(name),
      'instances.maintenance.set': async ({ name, days }) => {
        await manager.get(name);
        await setMaintenanceDays(home, name, days);
        return info(name);
      },
      'instances.clean': async ({ name }, caller) => {
        const record = await manager.get(name);
        const recipe = manager.recipeOf(record);
        if (execTasksOf({ manager }, record).length === 0) {
          const why = recipe.maintenanceNote?.en ?? `${recipe.name} has no clean-up tasks.`;
          throw new EngawaError('STATE', `Engawa has nothing to clean on "${name}": ${why}`, { name, reason: 'no-tasks' });
        }
        // refused at once (no operation) when it cannot run; the runner checks again under the lock
        const status = await manager.status(name);
        if (status.state !== 'running' && status.state !== 'degraded') {
          throw new EngawaError('STATE', `"${name}" is ${status.state}: the clean-up runs in its containers; start it first.`, { name, state: status.state });
        }
        return ops.start(
          'clean',
          name,
          caller,
          async (ctx) => {
            const r = await runCleanUp(deps, name, { ...ctx, trigger: 'manual' });
            return { cacheBytesBefore: r.cacheBytesBefore, cacheBytesAfter: r.cacheBytesAfter };
          },
          { cancellable: true },
        );
      },
    },
    scheduler: { start: () => scheduler.start(), stop: () => scheduler.stop() },
    afterWake: () => scheduler.poke(),
    cleanUp: async (name, reason) => {
      // a stack without tasks of its own (Misskey, the PDS): no operation to show, nothing ran
      if (execTasksOf({ manager }, await manager.get(name)).length === 0) return { ran: [], cacheBytesBefore: null, cacheBytesAfter: null };
      log(`clean-up of ${name}: ${reason}`);
      return asOperation(name, 'disk-guard');
    },
    forget: (name) => forgetMaintenance(home, name),
  };
}

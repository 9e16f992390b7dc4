/**
 * `createCore(deps)`: the contract implemented over the instance manager, the engine, `doctor`
 * and the recipes. Both shells (Electron IPC and the browser-mode host) serve it through the same
 * dispatcher. Instance states are pushed from the manager's `watch` (its operations and Docker
 * events, no polling), and `instances.list` shows the same states from the manager's one state
 * cache (`manager.states`).
 */
import { publicUrlOf } from '../tunnel/instance-tunnel';
import path from 'node:path';
import type { AppInfo, AppSettings, CreateInstanceInput, InstanceDetails, InstanceState, InstanceSummary } from '../../shared/contract';
import { doctor, toSystemReport } from './system-check';
import { isEngawaError, toEngawaError } from '../util/errors';
import type { Subscription } from '../engine/types';
import { assertCreatable, projectName, type CreateInput, type InstanceRecord } from '../instances';
import { validateDomain, validateInstanceName } from '../stacks/validate';
import { EventBus } from './events';
import { LogSubscriptions } from './logs';
import { Operations } from './ops';
import type { Services } from './wiring';
import type { SettingsStore } from './settings';
import type { BusListener, ClientContext, Core, Handlers } from './types';
import { toTunnelInput, tunnelHandlers } from './tunnel';
import { createBackupApi, unavailableBackups, type BackupOptions } from './backups';
import { createUpdateApi } from './updates';
import { createCheckApi, type CheckApiOptions } from './checks';
import { createWatchApi, type WatchOptions } from './watch';
import { createDiskGuardApi } from './disk-guard';
import { createMaintenanceApi } from './maintenance';
import { createClockApi, type ClockApiOptions } from './clock';
import { createHistoryApi } from './history';
import { instanceDisk } from './disk';
import { toStackInfo } from './stack-info';
import { realStartDockerEnv, startDocker, type DockerStartResult } from '../engine/start-docker';
import { createSystemExtras, type SystemExtrasDeps } from './system-extras';

/** While Docker cannot be reached, try to start watching it again this often. */
export const WATCH_RETRY_MS = 15_000;

export interface CoreDeps {
  services: Services;
  settings: SettingsStore;
  /** what `app.info` answers */
  info: AppInfo;
  /** runs after a settings change (the shell applies launch at login, language …) */
  onSettingsChanged?: (next: AppSettings, previous: AppSettings) => void | Promise<void>;
  log?: (line: string) => void;
  /** backups and their scheduler (api/backups.ts); without it the backups.* methods answer STATE */
  backups?: BackupOptions;
  /** the outside-in checks' options (test hooks: a loopback front, PLC directory and relay; the daily timer) */
  checks?: CheckApiOptions;
  /** run the watchdog in this process (the shells; tests leave it out unless they test it) */
  watch?: WatchOptions;
  /** what `system.startDocker` does (default: engine/start-docker.ts on this machine; tests give a fake) */
  startDocker?: () => Promise<DockerStartResult>;
  /** measure the engine's clock every few hours and after a wake (the shells; `system.clock` measures when asked anyway) */
  clock?: ClockApiOptions;
  /** where Docker Desktop's settings file is looked for (default: this machine; tests give a folder) */
  dockerDesktop?: SystemExtrasDeps['place'];
}

/** The core behind the contract, with the bus and operations exposed for the shell and tests. */
export interface EngawaCore extends Core {
  bus: EventBus;
  ops: Operations;
  /** re-checks every running server now (a wake from sleep, an unlocked screen, a network change): see api/watch.ts */
  recheck(reason: string): Promise<void>;
}

export function createCore(deps: CoreDeps): EngawaCore {
  const log = deps.log ?? (() => {});
  const { manager, recipes } = deps.services;
  const bus = new EventBus(log);
  const ops = new Operations(bus);
  const logs = new LogSubscriptions(manager);
  const backups = deps.backups && createBackupApi(deps.backups, { services: deps.services, ops, log });
  // updates back up through the backups' dependencies, with their passphrase store and clock
  const updates = createUpdateApi(deps.services, ops, deps.backups && backups && { ...deps.backups, deps: backups.deps }, log);
  const checks = createCheckApi(deps.services, bus, deps.checks, log);
  const maintenance = createMaintenanceApi(deps.services, ops, log); // cache clean-up: "Clean now", daily, and the disk guard's
  const disk = createDiskGuardApi(deps.services, bus, ops, deps.settings, { cleanUp: maintenance.cleanUp, ...deps.watch?.disk }, (line) => log(line));
  const watchdog = createWatchApi(deps.services, bus, deps.watch, log, [disk, maintenance.scheduler]);
  const clock = createClockApi(deps.services, bus, deps.clock, log);
  const history = createHistoryApi(deps.services, bus, ops, {}, log); // records the pushed states (api/history.ts)
  const recheck = (reason: string): Promise<void> => watchdog.recheck(reason).finally(() => (clock.afterWake(), disk.afterWake(), maintenance.afterWake()));
  const extras = createSystemExtras({ recheck, log, ...(deps.dockerDesktop && { place: deps.dockerDesktop }) }); // api/system-extras.ts
  const { states } = manager;
  let watch: Subscription | undefined;
  let watching: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;

  /** What the manager's state cache tells (only changes), pushed to every client. */
  const pushState = (name: string, state: InstanceState): void => {
    bus.emit('instance.state', { name, state });
  };

  /**
   * Starts watching Docker once it answers; until then retries now and then (and on demand). It
   * does not wait: a failure goes to the log and the retry.
   */
  const ensureWatching = (): void => {
    if (watch !== undefined || closed) return;
    watching ??= deps.services
      .engine()
      .then(async () => {
        if (closed || watch !== undefined) return;
        watch = manager.watch(pushState);
        for (const record of await manager.list()) {
          const status = await manager.status(record.name).catch(() => undefined);
          // the live state of an instance nobody has told of yet: into the cache, so listeners (pushState) hear it too
          if (status !== undefined && !states.has(record.name)) states.set(record.name, status.state);
        }
      })
      .catch((e: unknown) => {
        log(`not watching Docker yet: ${toEngawaError(e).message}`);
        if (!closed && retry === undefined) {
          retry = setTimeout(() => {
            retry = undefined;
            ensureWatching();
          }, WATCH_RETRY_MS);
          retry.unref?.();
        }
      })
      .finally(() => {
        watching = undefined;
      });
  };

  const localUrl = (r: InstanceRecord): string => {
    try {
      const port = r.ports[recipes.get(r.stack).web.port];
      return port === undefined ? '' : `http://127.0.0.1:${port}`;
    } catch {
      return ''; // a recipe file that is gone: the instance is still listed
    }
  };

  const summary = (r: InstanceRecord): InstanceSummary => ({
    name: r.name,
    stack: r.stack,
    domain: r.domain,
    state: states.get(r.name) ?? r.state,
    createdAt: r.createdAt,
    localUrl: localUrl(r),
    publicUrl: publicUrlOf(r.tunnel),
    ...(r.pending && { pending: r.pending }),
    ...(r.lastError && { lastError: r.lastError }),
  });

  /** Checks made before an operation id is handed out, so plain mistakes are answered at once. */
  const precheckCreate = async (input: CreateInstanceInput): Promise<void> => {
    const recipe = recipes.get(input.stack);
    const name = validateInstanceName(input.name);
    const domain = validateDomain(input.domain);
    const existing = await manager.get(name).catch((e: unknown) => {
      if (isEngawaError(e, 'NOT_FOUND')) return undefined;
      throw e;
    });
    assertCreatable(existing, name, recipe.id, domain);
  };

  const lifecycle =
    (op: 'start' | 'stop' | 'restart') =>
    async ({ name }: { name: string }, client: ClientContext) => {
      await manager.get(name);
      ensureWatching();
      return ops.start(
        op,
        name,
        client,
        async (ctx) => {
          // a start (or a restart) first finishes or rolls back an interrupted update (api/updates.ts)
          const resume = op === 'start' || (op === 'restart' && (await manager.get(name)).update !== undefined);
          await (resume ? updates.start(name, ctx) : manager[op](name, ctx));
          return undefined;
        },
        { cancellable: true },
      );
    };

  const handlers: Handlers = {
    'app.info': async () => ({ ...deps.info, systemLanguages: [...deps.info.systemLanguages] }),

    'system.check': async () => {
      const report = await doctor({ engine: deps.services.engine, recipes: recipes.list() });
      if (report.ok) ensureWatching();
      return toSystemReport(report);
    },

    'system.startDocker': async () => {
      const result = await (deps.startDocker ?? (() => startDocker(realStartDockerEnv())))();
      log(`start Docker: ${result.started ? 'launched' : 'not launched'}: ${result.how}`);
      return result;
    },

    'stacks.list': async () => recipes.list().map(toStackInfo),

    'instances.list': async () => (await manager.list()).map(summary),

    'instances.get': async ({ name }) => {
      const r = await manager.get(name);
      const details: InstanceDetails = {
        ...summary(r),
        stackVersion: r.stackVersion,
        settings: { ...r.settings },
        ports: { ...r.ports },
        admin: r.admin && { user: r.admin.user, email: r.admin.email },
      };
      return details;
    },

    'instances.status': async ({ name }) => {
      const status = await manager.status(name);
      ensureWatching();
      return status;
    },

    'instances.create': async (input, client) => {
      await precheckCreate(input);
      ensureWatching();
      const createInput: CreateInput = { stack: input.stack, name: input.name, domain: input.domain, tunnel: toTunnelInput(input.tunnel) };
      if (input.settings) createInput.settings = { ...input.settings };
      if (input.admin !== undefined) createInput.admin = input.admin;
      if (input.allowLowMemory === true) createInput.allowLowMemory = true;
      if (input.version !== undefined) createInput.version = input.version;
      return ops.start(
        'create',
        input.name,
        client,
        async (ctx) => {
          const { adminPassword } = await manager.create(createInput, ctx);
          return adminPassword === undefined ? undefined : { adminPassword };
        },
        { cancellable: true },
      );
    },

    'instances.start': lifecycle('start'),
    'instances.stop': lifecycle('stop'),
    'instances.restart': lifecycle('restart'),

    'instances.destroy': async ({ name }, client) => {
      await manager.get(name);
      return ops.start(
        'destroy',
        name,
        client,
        async (ctx) => {
          await manager.destroy(name, { onProgress: ctx.onProgress }); // the manager forgets its state
          // what else was kept of it: its last check, its update policy, its uptime history and its clean-up
          for (const r of await Promise.allSettled([checks.forget(name), updates.forget(name), history.forget(name), maintenance.forget(name)]))
            if (r.status === 'rejected') log(`cannot remove what was kept of "${name}": ${toEngawaError(r.reason).message}`);
          return undefined;
        },
        { cancellable: false },
      );
    },

    'instances.logs.subscribe': (input, client) => logs.subscribe(input, client),

    'instances.logs.unsubscribe': async ({ subscriptionId }, client) => {
      logs.unsubscribe(subscriptionId, client);
      return null;
    },

    'instances.stats': async ({ name }) => {
      await manager.get(name);
      return (await deps.services.engine()).stats(projectName(name));
    },

    'instances.disk': ({ name }) => instanceDisk(deps.services, name),

    'instances.exportCompose': async ({ name, dir }) => {
      const target = path.resolve(dir);
      return { dir: target, files: await manager.exportCompose(name, target) };
    },

    'settings.get': async () => deps.settings.get(),

    'settings.set': async (patch) => {
      const previous = deps.settings.get();
      const next = await deps.settings.update(patch);
      if (JSON.stringify(next) !== JSON.stringify(previous)) {
        bus.emit('settings.changed', next);
        await deps.onSettingsChanged?.(next, previous);
      }
      return next;
    },

    'ops.list': async () => ops.list(),

    'ops.cancel': async ({ opId }) => ({ cancelled: ops.cancel(opId) }),

    // Cloudflare Tunnel (api/tunnel.ts)
    ...tunnelHandlers(deps.services),

    // Backups (api/backups.ts)
    ...(backups?.handlers ?? unavailableBackups()),

    // Server updates (api/updates.ts) and the outside-in check (api/checks.ts)
    ...updates.handlers,
    ...checks.handlers,
    ...clock.handlers,
    ...disk.handlers,
    ...maintenance.handlers,
    ...history.handlers,
    ...extras.handlers,
  };

  ensureWatching();
  backups?.start().catch((e: unknown) => log(`cannot start the backup scheduler: ${toEngawaError(e).message}`));
  checks.start();
  clock.start();
  history.start();
  watchdog.start().catch((e: unknown) => log(`cannot start the watchdog: ${toEngawaError(e).message}`));
  updates.startScheduler().catch((e: unknown) => log(`cannot start the automatic updates: ${toEngawaError(e).message}`));

  return {
    handlers,
    bus,
    ops,
    subscribe: (listener: BusListener) => bus.subscribe(listener),
    recheck,
    async close() {
      extras.stop();
      await watchdog.stop();
      backups?.stop();
      updates.stop();
      checks.stop();
      clock.stop();
      await history.stop();
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      watch?.close();
      logs.closeAll();
    },
  };
}

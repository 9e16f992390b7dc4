/**
 * The desktop notifications that need time or memory, decided here (pure but for the timers,
 * which come in `deps`), each told at most once per problem until it changes:
 * - a server down for more than `downMs` (default 5 min): the timer starts when its state leaves
 *   running for stopped, error or degraded — a stop someone asked for goes through 'stopping' and
 *   starts nothing — and is cancelled when it runs again, is stopped or deleted. The notification
 *   carries a Restart button (where the platform has buttons) and a click opens its dashboard.
 * - a tunnel down: the watchdog restarted the server's connector (one that stays unready or
 *   unhealthy past its grace; a give-up is told by its own notification). `tunnelMs` later the
 *   tunnel's health is asked for once (`tunnel.status`, never polled); still down, it is told. A
 *   later restart asks again after as long; a tunnel found up, or a server running again, is
 *   forgotten, so its next outage is told again.
 * - Docker's disk or the backup folder low on space (`disk.changed`): told when the level gets
 *   worse (ok → warning → critical), not again while it stays, nor when it gets better.
 */
import type { ApiEventMessage, DiskLevel, DiskStatusInfo, InstanceState } from '../../shared/contract';
import { CONNECTOR_SERVICE } from '../tunnel/connector';
import { formatBytes } from '../util/format';
import type { DesktopNotification } from './notify';
import type { Translate } from './strings';
import type { StateChange } from './tracker';

/** How long a server may stay down, and a tunnel, before it is told (5 minutes). */
export const DOWN_NOTIFY_MS = 5 * 60_000;

export interface ProblemTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface ProblemWatchDeps {
  t: () => Translate;
  notify: (n: DesktopNotification) => void;
  /** whether the server's tunnel is up now (`tunnel.status` ok); rejects when it cannot be known */
  tunnelUp: (name: string) => Promise<boolean>;
  downMs?: number;
  tunnelMs?: number;
  /** default: setTimeout / clearTimeout, unref'd */
  timers?: ProblemTimers;
  log?: (line: string) => void;
}

export interface ProblemWatch {
  /** a state change the tracker saw */
  stateChanged(change: StateChange): void;
  /** every pushed event (watch.action, disk.changed; others are ignored) */
  message(message: ApiEventMessage): void;
  close(): void;
}

const DOWN: ReadonlySet<InstanceState> = new Set<InstanceState>(['stopped', 'error', 'degraded']);
/** States that end a server's down time: it runs again, or someone stops, deletes or re-creates it. */
const ENDS_DOWN: ReadonlySet<InstanceState> = new Set<InstanceState>(['running', 'stopping', 'destroying', 'creating']);
const DISK_RANK: Record<DiskLevel, number> = { ok: 0, warning: 1, critical: 2 };

const realTimers: ProblemTimers = {
  set(fn, ms) {
    const handle = setTimeout(fn, ms);
    handle.unref?.();
    return handle;
  },
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export function watchProblems(deps: ProblemWatchDeps): ProblemWatch {
  const timers = deps.timers ?? realTimers;
  const downMs = deps.downMs ?? DOWN_NOTIFY_MS;
  const tunnelMs = deps.tunnelMs ?? DOWN_NOTIFY_MS;
  const log = deps.log ?? (() => {});
  /** servers down, with the timer that tells it (undefined once told) */
  const down = new Map<string, { timer: unknown }>();
  /** servers whose connector the watchdog acted on: a pending check, and whether it was told */
  const tunnels = new Map<string, { timer: unknown; told: boolean }>();
  let disk: DiskLevel = 'ok';
  let closed = false;

  const endDown = (name: string): void => {
    const entry = down.get(name);
    if (entry?.timer !== undefined) timers.clear(entry.timer);
    down.delete(name);
  };
  const endTunnel = (name: string): void => {
    const entry = tunnels.get(name);
    if (entry?.timer !== undefined) timers.clear(entry.timer);
    tunnels.delete(name);
  };

  const tellDown = (name: string): void => {
    const entry = down.get(name);
    if (entry === undefined || closed) return;
    entry.timer = undefined;
    const t = deps.t();
    const minutes = Math.max(1, Math.round(downMs / 60_000));
    deps.notify({
      title: t('notify.serverDown.title', { name, minutes }),
      body: t('notify.serverDown.body', { name, minutes }),
      instance: name,
      click: { type: 'open-dashboard', name },
      actions: [{ label: t('notify.serverDown.restart'), action: { type: 'restart', name } }],
    });
  };

  const checkTunnel = (name: string): void => {
    const entry = tunnels.get(name);
    if (entry === undefined) return;
    entry.timer = undefined;
    deps.tunnelUp(name).then(
      (up) => {
        if (closed || tunnels.get(name) !== entry) return;
        if (up) return void tunnels.delete(name);
        if (entry.told) return;
        entry.told = true;
        const t = deps.t();
        deps.notify({
          title: t('notify.tunnelDown.title', { name }),
          body: t('notify.tunnelDown.body', { name }),
          instance: name,
          click: { type: 'open-dashboard', name },
        });
      },
      (e: unknown) => {
        log(`cannot ask whether the tunnel of "${name}" is up: ${(e as Error).message}`);
        if (tunnels.get(name) === entry && !entry.told) tunnels.delete(name);
      },
    );
  };

  const diskChanged = (status: DiskStatusInfo): void => {
    const before = disk;
    disk = status.level;
    if (DISK_RANK[status.level] <= DISK_RANK[before]) return;
    const t = deps.t();
    const worst = status.places.filter((p) => p.level === status.level).sort((a, b) => a.freeBytes - b.freeBytes)[0];
    const vars = { free: worst === undefined ? '?' : formatBytes(worst.freeBytes), place: t(`notify.disk.place.${worst?.place ?? 'docker'}`) };
    deps.notify(
      status.level === 'critical'
        ? { title: t('notify.diskCritical.title'), body: t('notify.diskCritical.body', vars) }
        : { title: t('notify.diskWarning.title'), body: t('notify.diskWarning.body', vars) },
    );
  };

  return {
    stateChanged({ name, previous, next }) {
      if (closed) return;
      if (ENDS_DOWN.has(next)) endDown(name);
      // running again (every service healthy, the connector too) or stopped: a tunnel outage told is over
      if (next === 'stopping' || next === 'destroying' || (next === 'running' && tunnels.get(name)?.told === true)) endTunnel(name);
      if (previous === 'running' && DOWN.has(next) && !down.has(name)) down.set(name, { timer: timers.set(() => tellDown(name), downMs) });
    },
    message(message) {
      if (closed) return;
      if (message.event === 'disk.changed') return diskChanged(message.payload);
      if (message.event !== 'watch.action') return;
      const { instance, service, kind } = message.payload;
      // a give-up is told at once by its own notification (notify.ts watchNotification): only restarts start the check
      if (instance === null || service !== CONNECTOR_SERVICE || kind !== 'restart') return;
      const entry = tunnels.get(instance);
      if (entry === undefined) tunnels.set(instance, { timer: timers.set(() => checkTunnel(instance), tunnelMs), told: false });
      else if (entry.timer === undefined) entry.timer = timers.set(() => checkTunnel(instance), tunnelMs);
    },
    close() {
      closed = true;
      for (const name of [...down.keys()]) endDown(name);
      for (const name of [...tunnels.keys()]) endTunnel(name);
    },
  };
}

/**
 * The tray, as data: instances' states → the icon state, the tooltip and the menu, in the user's
 * language. Pure, so every rule is unit-tested; electron/adapters/tray.ts only renders it.
 * Menu: first, for each instance with a security update available, "Security update for NAME"
 * (it opens the server's dashboard, where the update card is); then each instance with its state
 * (with one instance, its actions inline; with several, each in a submenu): Open my server, Start,
 * Stop, Back up now (shown disabled until backups exist); then Open Engawa and Quit.
 */
import type { InstanceState } from '../../shared/contract';
import type { Translate } from './strings';

/** The four icons the tray has. */
export type TrayIconState = 'running' | 'starting' | 'stopped' | 'problem';

/** What the tray needs to know about an instance. */
export interface TrayInstance {
  name: string;
  domain: string;
  state: InstanceState;
  /** the address "Open my server" opens: the public URL when there is one, else the local one */
  url: string | null;
  /** the release of a security update it can install, when there is one (`updates.list`) */
  securityUpdate?: string;
  /** ISO time a running instance has been up since without a break (`instances.history`), when known */
  upSince?: string;
}

/** What a menu item does when clicked. */
export type TrayAction =
  | { type: 'open-app' }
  | { type: 'open-server'; name: string; url: string }
  | { type: 'start'; name: string }
  | { type: 'stop'; name: string }
  /** restarts the server (a notification's Restart button) */
  | { type: 'restart'; name: string }
  | { type: 'backup'; name: string }
  /** shows the window on the server's dashboard (its overview, where the update card is) */
  | { type: 'open-dashboard'; name: string }
  | { type: 'quit' };

export type TrayMenuItem =
  { kind: 'item'; label: string; enabled: boolean; action?: TrayAction } | { kind: 'submenu'; label: string; items: TrayMenuItem[] } | { kind: 'separator' };

export interface TrayModel {
  icon: TrayIconState;
  tooltip: string;
  menu: TrayMenuItem[];
}

export interface TrayOptions {
  /** true once backups exist: "Back up now" is enabled for running instances */
  backups: boolean;
  /** the time now (ms), for "up 3 days" (default Date.now()) */
  now?: number;
  /** Engawa started with the session and waits for Docker it started ('waiting'), or gave up waiting ('failed') */
  docker?: 'waiting' | 'failed';
}

const PROBLEM: ReadonlySet<InstanceState> = new Set<InstanceState>(['error', 'degraded', 'unknown']);
const BUSY: ReadonlySet<InstanceState> = new Set<InstanceState>(['creating', 'starting', 'stopping', 'destroying']);
/** States from which Start makes sense, and Stop. */
const STARTABLE: ReadonlySet<InstanceState> = new Set<InstanceState>(['stopped', 'error', 'degraded']);
const STOPPABLE: ReadonlySet<InstanceState> = new Set<InstanceState>(['running', 'degraded', 'error', 'starting']);

/** One icon for all instances: a problem wins, then work in progress, then running. */
export function trayIconState(states: readonly InstanceState[]): TrayIconState {
  if (states.some((s) => PROBLEM.has(s))) return 'problem';
  if (states.some((s) => BUSY.has(s))) return 'starting';
  if (states.some((s) => s === 'running')) return 'running';
  return 'stopped';
}

function instanceActions(i: TrayInstance, t: Translate, opts: TrayOptions): TrayMenuItem[] {
  const open: TrayMenuItem =
    i.url !== null && (i.state === 'running' || i.state === 'degraded')
      ? { kind: 'item', label: t('tray.menu.openServer'), enabled: true, action: { type: 'open-server', name: i.name, url: i.url } }
      : { kind: 'item', label: t('tray.menu.openServer'), enabled: false };
  return [
    open,
    { kind: 'item', label: t('tray.menu.start'), enabled: STARTABLE.has(i.state), action: { type: 'start', name: i.name } },
    { kind: 'item', label: t('tray.menu.stop'), enabled: STOPPABLE.has(i.state), action: { type: 'stop', name: i.name } },
    { kind: 'item', label: t('tray.menu.backup'), enabled: opts.backups && i.state === 'running', action: { type: 'backup', name: i.name } },
  ];
}

/** The whole tray for these instances. */
export function trayModel(instances: readonly TrayInstance[], t: Translate, opts: TrayOptions = { backups: false }): TrayModel {
  if (opts.docker !== undefined) return withDocker(trayModel(instances, t, { ...opts, docker: undefined }), opts.docker, t);
  const icon = trayIconState(instances.map((i) => i.state));
  const tooltip = withUptime(instances.length === 0 ? t('tray.tooltip.none') : t(`tray.tooltip.${icon}`), icon, instances, t, opts.now ?? Date.now());
  const heading = (i: TrayInstance): string => t('tray.instance', { name: i.name, domain: i.domain, state: t(`tray.state.${i.state}`) });
  const menu: TrayMenuItem[] = [];
  const security = instances.filter((i) => i.securityUpdate !== undefined);
  for (const i of security) {
    const label = t('tray.menu.securityUpdate', { name: i.name, version: i.securityUpdate ?? '' });
    menu.push({ kind: 'item', label, enabled: true, action: { type: 'open-dashboard', name: i.name } });
  }
  if (security.length > 0) menu.push({ kind: 'separator' });
  if (instances.length === 0) {
    menu.push({ kind: 'item', label: t('tray.menu.noInstances'), enabled: false });
  } else if (instances.length === 1) {
    const [only] = instances as [TrayInstance];
    menu.push({ kind: 'item', label: heading(only), enabled: false }, ...instanceActions(only, t, opts));
  } else {
    for (const i of instances) menu.push({ kind: 'submenu', label: heading(i), items: instanceActions(i, t, opts) });
  }
  menu.push(
    { kind: 'separator' },
    { kind: 'item', label: t('tray.menu.openApp'), enabled: true, action: { type: 'open-app' } },
    { kind: 'item', label: t('tray.menu.quit'), enabled: true, action: { type: 'quit' } },
  );
  return { icon, tooltip, menu };
}

/**
 * While Engawa waits for Docker it started at login, or after it gave up: the icon says so (starting,
 * then a problem), the tooltip says only that, and the menu's first line too; the rest stays usable.
 */
function withDocker(model: TrayModel, docker: 'waiting' | 'failed', t: Translate): TrayModel {
  const label = t(docker === 'waiting' ? 'tray.docker.waiting' : 'tray.docker.failed');
  return {
    icon: docker === 'waiting' ? 'starting' : 'problem',
    tooltip: label,
    menu: [{ kind: 'item', label, enabled: false }, { kind: 'separator' }, ...model.menu],
  };
}

/**
 * When every server runs, the tooltip says for how long the one up the shortest time has been up
 * ("up 3 days"), from the servers' recorded history; the desktop draws the tray again every hour (UPTIME_REDRAW_MS) so it ages.
 */
function withUptime(tooltip: string, icon: TrayIconState, instances: readonly TrayInstance[], t: Translate, now: number): string {
  if (icon !== 'running') return tooltip;
  const since = instances.flatMap((i) => (i.state === 'running' && i.upSince !== undefined ? [Date.parse(i.upSince)] : [])).filter((n) => !Number.isNaN(n));
  if (since.length === 0) return tooltip;
  const { unit, n } = uptimeDuration(now - Math.max(...since));
  return t('tray.tooltip.upFor', { tooltip, duration: t(`uptime.duration.${unit}`, { n }) });
}

/** A duration in its largest whole unit, as the dashboard's strip says it (renderer/src/dashboard/uptime-strip.ts). */
export function uptimeDuration(ms: number): { unit: 'minutes' | 'hour' | 'hours' | 'day' | 'days'; n: number } {
  const t = Math.max(0, ms);
  const hour = 60 * 60 * 1000;
  if (t >= 24 * hour) {
    const n = Math.floor(t / (24 * hour));
    return { unit: n === 1 ? 'day' : 'days', n };
  }
  if (t >= hour) {
    const n = Math.floor(t / hour);
    return { unit: n === 1 ? 'hour' : 'hours', n };
  }
  return { unit: 'minutes', n: Math.round(t / 60_000) };
}

/**
 * Engawa's presence on the desktop, composed from the pure models: the tray (state icon, tooltip,
 * menu), notifications when a server fails, the shell's strings in the user's language, and the
 * quit flow (ask; by default leave the servers running). Fed by pushed events only.
 */
import type { App, BrowserWindow, Dialog, Menu, Notification, NotificationConstructorOptions, Shell, Tray } from 'electron';
import type { Core } from '../core/api/types';
import { backUpNow } from '../core/tray/backup-now';
import { trayModel, type TrayAction, type TrayMenuItem, type TrayModel, type TrayOptions } from '../core/tray/model';
import {
  backupNotification,
  backupOutcome,
  checkNotification,
  clockNotification,
  securityNotification,
  stateNotification,
  updateNotification,
  updateOutcome,
  watchNotification,
  type DesktopNotification,
} from '../core/tray/notify';
import { loadCatalogue, pickLanguage, translator, type Translate } from '../core/tray/strings';
import { trackInstances } from '../core/tray/tracker';
import { watchProblems } from '../core/tray/problems';
import { isExternalLink } from './links';
import { createNotifier } from './notifications';
import { askHowToQuit } from './quit';
import { TrayView } from './tray';

export interface DesktopDeps {
  app: Pick<App, 'quit' | 'getPreferredSystemLanguages'>;
  Tray: new (image: string) => Tray;
  Menu: Pick<typeof Menu, 'buildFromTemplate'>;
  Notification: { new (options: NotificationConstructorOptions): Notification; isSupported(): boolean };
  dialog: Pick<Dialog, 'showMessageBox'>;
  shell: Pick<Shell, 'openExternal'>;
  core: Core;
  platform: NodeJS.Platform;
  /** resources/tray (or process.resourcesPath/tray when packaged) */
  iconDir: string;
  /** the renderer's JSON catalogues (renderer/src/i18n) */
  catalogueDir: string;
  /** the language setting (null: the OS language) and whether notifications are on */
  settings: () => { language: 'en' | 'ja' | null; notifications: boolean };
  showWindow: () => void;
  /** shows the window on a server's Backups tab, asking for the passphrase */
  showBackups: (instance: string) => void;
  /** shows the window on a server's dashboard (its update card) */
  showDashboard: (instance: string) => void;
  window: () => BrowserWindow | null;
  log: (line: string) => void;
}

export interface Desktop {
  /** the shell's strings in the current language */
  t(): Translate;
  /** re-reads the language setting and redraws the tray */
  languageChanged(): void;
  /** the Quit flow (tray menu): ask, maybe stop the servers, quit */
  quit(): Promise<void>;
  /** quits without asking, leaving the servers running (the Quit dialog's default): `Engawa --quit` */
  quitNow(): void;
  /** the labels of the tray menu as shown now, submenus flattened (the packaged-app smoke test reads them) */
  menuLabels(): string[];
  /** true once the user chose to quit (closing the window then really closes it) */
  quitting(): boolean;
  /** tells the user once that Engawa stays in the tray */
  windowHidden(): void;
  notify(n: DesktopNotification | null): void;
  /** Engawa waits for Docker it started at login ('waiting'), gave up ('failed'), or no longer waits (null) */
  dockerState(state: 'waiting' | 'failed' | null): void;
}

/** How often the tray is drawn again without an event, so its uptime ("up 3 days") stays true. */
export const UPTIME_REDRAW_MS = 60 * 60_000;

/** Backups exist: "Back up now" is enabled for running servers. */
const TRAY_OPTIONS: TrayOptions = { backups: true };

export function startDesktop(deps: DesktopDeps): Desktop {
  const strings = (): Translate => {
    const language = pickLanguage(deps.settings().language, deps.app.getPreferredSystemLanguages());
    return translator(loadCatalogue(deps.catalogueDir, language), loadCatalogue(deps.catalogueDir, 'en'));
  };
  let t = strings();
  let quitting = false;
  let toldAboutTray = false;
  const toldSecurity = new Set<string>();
  let docker: 'waiting' | 'failed' | null = null;
  const options = (): TrayOptions => (docker === null ? TRAY_OPTIONS : { ...TRAY_OPTIONS, docker });
  const notify = createNotifier({
    Notification: deps.Notification,
    enabled: () => deps.settings().notifications,
    onClick: (n) => (n.click === undefined ? deps.showWindow() : onAction(n.click)),
    // Electron's notification buttons exist on macOS only; elsewhere the click opens the server's dashboard
    buttons: deps.platform === 'darwin',
    onAction: (n, index) => {
      const chosen = n.actions?.[index];
      if (chosen !== undefined) onAction(chosen.action);
    },
  });
  // a server down for minutes, a tunnel down, a disk filling up (core/tray/problems.ts)
  const problems = watchProblems({
    t: () => t,
    notify,
    tunnelUp: async (name) => (await tracker.call('tunnel.status', { name })).ok,
    log: deps.log,
  });

  const onAction = (action: TrayAction): void => {
    const fail = (e: unknown) => deps.log(`${action.type} failed: ${(e as Error).message}`);
    switch (action.type) {
      case 'open-app':
        deps.showWindow();
        break;
      case 'open-server':
        if (isExternalLink(action.url)) deps.shell.openExternal(action.url).catch(fail);
        break;
      case 'start':
        tracker.call('instances.start', { name: action.name }).catch(fail);
        break;
      case 'stop':
        tracker.call('instances.stop', { name: action.name }).catch(fail);
        break;
      case 'restart':
        tracker.call('instances.restart', { name: action.name }).catch(fail);
        break;
      case 'backup':
        backUpNow(tracker.call, action.name)
          .then((r) => {
            if (r === 'started') return;
            deps.showBackups(action.name); // the passphrase is chosen once, in the Backups tab: open it there
          })
          .catch(fail);
        break;
      case 'open-dashboard':
        deps.showDashboard(action.name);
        break;
      case 'quit':
        void desktop.quit().catch(fail);
        break;
    }
  };

  const view = new TrayView({ Tray: deps.Tray, Menu: deps.Menu, iconDir: deps.iconDir, platform: deps.platform, onAction });
  let shown = trayModel([], t, TRAY_OPTIONS);
  const render = (model: TrayModel): void => {
    shown = model;
    view.render(model);
  };
  const tracker = trackInstances(
    deps.core,
    (instances, change) => {
      render(trayModel(instances, t, options()));
      if (change) notify(stateNotification(change.name, change.previous, change.next, t));
      if (change) problems.stateChanged(change);
      // a security release is told once per server and release (the tray item stays until installed)
      for (const i of instances) {
        const key = i.securityUpdate === undefined ? undefined : `${i.name}@${i.securityUpdate}`;
        if (key === undefined || toldSecurity.has(key)) continue;
        toldSecurity.add(key);
        notify(securityNotification(i.name, i.securityUpdate as string, t));
      }
    },
    deps.log,
  );
  render(shown);
  // "up 3 days" in the tooltip ages without any event: a slow redraw keeps it true (nothing else is asked)
  const ageing = setInterval(() => render(trayModel(tracker.instances(), t, options())), UPTIME_REDRAW_MS);
  ageing.unref?.();
  // a backup or an update that ends (from the window, the tray, the schedule or the update policy) is told on the
  // desktop, and a server that others could reach and no longer can (its outside-in check)
  const stopBackupNotes = deps.core.subscribe((message) => {
    const outcome = backupOutcome(message);
    if (outcome !== null) notify(backupNotification(outcome, t));
    const updated = updateOutcome(message);
    if (updated !== null) notify(updateNotification(updated, t));
    const unreachable = checkNotification(message, t);
    if (unreachable !== null) notify(unreachable);
    const gaveUp = watchNotification(message, t);
    if (gaveUp !== null) notify(gaveUp);
    const clock = clockNotification(message, t);
    if (clock !== null) notify(clock);
    problems.message(message);
    // Docker answers again (after Engawa gave up waiting for it at login): the tray stops saying it did not start
    const dockerBack = (message.event === 'watch.action' && message.payload.kind === 'engine-back') || message.event === 'instance.state';
    if (docker === 'failed' && dockerBack) desktop.dockerState(null);
  });

  const desktop: Desktop = {
    t: () => t,
    languageChanged() {
      t = strings();
      render(trayModel(tracker.instances(), t, options()));
    },
    async quit() {
      const choice = await askHowToQuit(deps.dialog, t, deps.window() ?? undefined);
      if (choice === 'cancel') return;
      if (choice === 'stop-servers') {
        const running = tracker.instances().filter((i) => i.state !== 'stopped');
        await Promise.allSettled(running.map((i) => tracker.runOp('instances.stop', i.name)));
      }
      desktop.quitNow();
    },
    quitNow() {
      quitting = true;
      clearInterval(ageing);
      tracker.close();
      problems.close();
      stopBackupNotes();
      view.destroy();
      deps.app.quit();
    },
    menuLabels: () => labelsOf(shown.menu),
    quitting: () => quitting,
    windowHidden() {
      if (toldAboutTray) return;
      toldAboutTray = true;
      notify({ title: t('notify.stillRunning.title'), body: t('notify.stillRunning.body') });
    },
    notify,
    dockerState(state) {
      if (docker === state) return;
      docker = state;
      render(trayModel(tracker.instances(), t, options()));
    },
  };
  return desktop;
}

function labelsOf(items: readonly TrayMenuItem[]): string[] {
  return items.flatMap((item) => (item.kind === 'separator' ? [] : item.kind === 'submenu' ? [item.label, ...labelsOf(item.items)] : [item.label]));
}

/**
 * Composition root of the desktop app, as a function: single-instance lock, the secure `app://`
 * session, the core behind `window.engawa` (IPC), the window (closing it keeps Engawa in the tray),
 * the tray, notifications, launch at login and updates. Wiring only; the logic lives in adapters/
 * (Electron glue) and core/ (plain Node).
 *
 * Everything it takes from the outside world comes in `deps` (Electron's modules, the updater,
 * the process's platform, environment and arguments) and its state lives in this call, not in the
 * module: main.ts passes the real Electron, tests pass fakes and start as many apps as they like.
 */
import path from 'node:path';
import type { App, BrowserWindow, IpcMain, Session } from 'electron';
import { createCore } from './core/api/create-core';
import { createServices, loadImageMap, recipeFilesFromEnv, withoutTestHooks } from './core/api/wiring';
import { checkOptionsFromEnv } from './core/check/index';
import { SettingsStore } from './core/api/settings';
import { engawaHome } from './core/instances';
import { writeFileAtomic } from './core/util/atomic';
import { startDesktop, type Desktop, type DesktopDeps } from './adapters/tray-and-notifications';
import { registerIpc } from './adapters/ipc';
import { backupFileChooser, type OpenDialog } from './adapters/file-dialog';
import { applyLaunchAtLogin, startedHidden, type LoginItemDeps } from './adapters/login-item';
import { hideOnClose } from './adapters/quit';
import { forwardWakeEvents, type PowerMonitorLike } from './adapters/power';
import { dockerAtLogin } from './adapters/docker-at-login';
import { realStartDockerEnv, startDocker } from './core/engine/start-docker';
import { SafeStorageSecretStore, type Encryptor } from './adapters/secrets';
import { startUpdater, type UpdaterDeps } from './adapters/updater';
import { createMainWindow, lockDownContents, registerAppScheme, secureSession, type WindowClass } from './adapters/window';
import type { ApiEvents, DockerStartResult } from './shared/contract';

/** The parts of Electron's `app` the desktop app uses. */
export type AppModule = Pick<
  App,
  | 'requestSingleInstanceLock'
  | 'quit'
  | 'exit'
  | 'setAppUserModelId'
  | 'on'
  | 'whenReady'
  | 'getAppPath'
  | 'getVersion'
  | 'getPreferredSystemLanguages'
  | 'isPackaged'
  | 'getLoginItemSettings'
  | 'setLoginItemSettings'
>;

/** What the desktop app takes from the outside world. */
export interface StartAppDeps {
  app: AppModule;
  BrowserWindow: WindowClass;
  /** message boxes (quit, updates) and the backup file chooser */
  dialog: DesktopDeps['dialog'] & OpenDialog;
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  Menu: DesktopDeps['Menu'];
  Notification: DesktopDeps['Notification'];
  protocol: Parameters<typeof registerAppScheme>[0];
  safeStorage: Encryptor;
  /** wake from sleep and unlocked screen, forwarded to the core's re-check (used once the app is ready) */
  powerMonitor: PowerMonitorLike;
  session: { defaultSession: Pick<Session, 'protocol' | 'setPermissionRequestHandler' | 'setPermissionCheckHandler'> };
  shell: DesktopDeps['shell'];
  Tray: DesktopDeps['Tray'];
  /** electron-updater's autoUpdater, read only once the app has started (reading it creates it) */
  autoUpdater: () => UpdaterDeps['updater'];
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  argv: readonly string[];
  /** process.execPath: the program launch at login starts */
  execPath: string;
  /** process.resourcesPath: where a packaged app keeps its tray icons */
  resourcesPath: string;
  /** starts Docker Desktop when Engawa starts at login and Docker does not answer (default: engine/start-docker.ts here) */
  startDocker?: () => Promise<DockerStartResult>;
}

/** The running app, for tests. */
export interface AppHandle {
  /** settles once start-up is over: ready, failed (the app then exits with 1), or not this instance's to do */
  started: Promise<void>;
}

/** Starts the desktop app (the lock, the app's events, then everything else once Electron is ready). */
export function startApp(deps: StartAppDeps): AppHandle {
  const { app, platform } = deps;
  // the test hooks (other recipes, images, Cloudflare API, tunnel edge) work in development only
  const env = app.isPackaged ? withoutTestHooks(deps.env) : deps.env;
  let mainWindow: BrowserWindow | null = null;
  let desktop: Desktop | undefined;
  let quitting = false;
  const log = (line: string): void => console.log(`engawa: ${line}`);

  /** Creates the window, or brings the existing one to the front (a second launch lands here too). */
  const showMainWindow = (): void => {
    if (mainWindow !== null && !mainWindow.isDestroyed()) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.show();
      mainWindow.focus();
      return;
    }
    const win = createMainWindow(deps.BrowserWindow, path.join(app.getAppPath(), 'dist', 'electron', 'preload.cjs'));
    hideOnClose(win, () => quitting || desktop?.quitting() === true);
    win.on('hide', () => desktop?.windowHidden());
    win.on('closed', () => {
      mainWindow = null;
    });
    mainWindow = win;
  };

  /** Runs once the app is ready: windows, tray and safeStorage may only be used from here on. */
  const start = async (): Promise<void> => {
    secureSession(deps.session.defaultSession, path.join(app.getAppPath(), 'dist', 'renderer'));
    const home = engawaHome(env, platform);
    const settings = await SettingsStore.open(home);
    const secrets = new SafeStorageSecretStore({ home, safeStorage: deps.safeStorage, platform, allowPlainText: () => settings.get().allowPlainTextSecrets });
    const images = await loadImageMap(env.ENGAWA_IMAGES);
    const services = createServices({ home, env, images, recipeFiles: recipeFilesFromEnv(env), secrets, log });
    const loginItem: LoginItemDeps = { app, platform, env, executable: deps.execPath };
    const core = createCore({
      services,
      settings,
      info: { version: app.getVersion(), platform, shell: 'electron', systemLanguages: app.getPreferredSystemLanguages() },
      log,
      backups: {
        secrets,
        images,
        env,
        chooseFile: backupFileChooser(
          deps.dialog,
          () => mainWindow,
          () => desktop?.t(),
        ),
      },
      checks: checkOptionsFromEnv(env),
      watch: { by: 'the Engawa app', secrets },
      clock: {},
      onSettingsChanged: async (next, previous) => {
        if (next.launchAtLogin !== previous.launchAtLogin) await applyLaunchAtLogin(next.launchAtLogin, loginItem);
        if (next.language !== previous.language) desktop?.languageChanged();
      },
    });
    /** Shows the window on a server's tab (`app.show`); a new window hears it once its page has loaded (it subscribes while it loads). */
    const showOn = (show: ApiEvents['app.show']): void => {
      const fresh = mainWindow === null || mainWindow.isDestroyed();
      showMainWindow();
      const tell = (): void => core.bus.emit('app.show', show);
      if (fresh && mainWindow !== null) mainWindow.webContents.once('did-finish-load', tell);
      else tell();
    };
    registerIpc(deps.ipcMain, core);
    forwardWakeEvents(deps.powerMonitor, (reason) => core.recheck(reason), log);
    const shown = startDesktop({
      app,
      Tray: deps.Tray,
      Menu: deps.Menu,
      Notification: deps.Notification,
      dialog: deps.dialog,
      shell: deps.shell,
      core,
      platform,
      iconDir: app.isPackaged ? path.join(deps.resourcesPath, 'tray') : path.join(app.getAppPath(), 'resources', 'tray'),
      catalogueDir: path.join(app.getAppPath(), 'renderer', 'src', 'i18n'),
      settings: () => settings.get(),
      showWindow: showMainWindow,
      showBackups: (instance) => showOn({ instance, tab: 'backups', ask: 'passphrase' }),
      showDashboard: (instance) => showOn({ instance, tab: 'overview' }),
      window: () => mainWindow,
      log,
    });
    desktop = shown;
    // `Engawa --quit` (a second launch) quits the running app and leaves the servers running
    app.on('second-instance', (_event: unknown, argv: readonly string[] = []) => (argv.includes('--quit') ? shown.quitNow() : showMainWindow()));
    if (env.ENGAWA_SMOKE_REPORT) {
      // what only the main process knows, for the packaged app's smoke test (read-only facts)
      await writeFileAtomic(env.ENGAWA_SMOKE_REPORT, JSON.stringify({ trayMenu: shown.menuLabels(), packaged: app.isPackaged }));
    }
    app.on('activate', showMainWindow);
    if (!startedHidden(deps.argv, loginItem)) showMainWindow();
    // started with the session: Docker Desktop may not run yet (it starts only after a sign-in, if at all)
    else {
      const answers = async (): Promise<boolean> => (await services.engine()).info().then(() => true);
      const start = deps.startDocker ?? (() => startDocker(realStartDockerEnv()));
      dockerAtLogin({ answers: () => answers().catch(() => false), start, desktop: shown, recheck: (reason) => core.recheck(reason), log }).catch(() => {});
    }
    startUpdater({
      updater: deps.autoUpdater(),
      dialog: deps.dialog,
      t: () => shown.t(),
      isPackaged: app.isPackaged,
      selfUpdating: platform !== 'linux' || env.APPIMAGE !== undefined,
      beforeRestart: () => {
        quitting = true;
      },
      log,
    });
  };

  if (!app.requestSingleInstanceLock()) {
    app.quit(); // the running one got our arguments (second-instance): it shows its window, or quits for --quit
    return { started: Promise.resolve() };
  }
  registerAppScheme(deps.protocol);
  if (platform === 'win32') app.setAppUserModelId('app.engawa.desktop');
  app.on('web-contents-created', (_event, contents) => lockDownContents(contents, deps.shell));
  app.on('before-quit', () => {
    quitting = true;
  });
  // the tray keeps Engawa running with no window open
  app.on('window-all-closed', () => {});
  const started = app
    .whenReady()
    .then(start)
    .catch((e: unknown) => {
      console.error('Engawa could not start:', e);
      app.exit(1);
    });
  return { started };
}

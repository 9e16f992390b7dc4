/**
 * Composition root of the desktop app: single-instance lock, the secure `app://` session, the
 * core behind `window.engawa` (IPC), the window (closing it keeps Engawa in the tray), the tray,
 * notifications, launch at login and updates. Wiring only; the logic lives in adapters/
 * (Electron glue) and core/ (plain Node).
 */
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, Notification, safeStorage, session, shell, Tray } from 'electron';
import electronUpdater from 'electron-updater';
import { createCore } from './core/api/create-core';
import { createServices, loadImageMap, recipeFilesFromEnv } from './core/api/wiring';
import { SettingsStore } from './core/api/settings';
import { engawaHome } from './core/instances/home';
import { startDesktop, type Desktop } from './adapters/tray-and-notifications';
import { registerIpc } from './adapters/ipc';
import { applyLaunchAtLogin, startedHidden } from './adapters/login-item';
import { hideOnClose } from './adapters/quit';
import { SafeStorageSecretStore } from './adapters/secrets';
import { startUpdater } from './adapters/updater';
import { createMainWindow, lockDownContents, registerAppScheme, secureSession } from './adapters/window';

let mainWindow: BrowserWindow | null = null;
let desktop: Desktop | undefined;
let quitting = false;
const log = (line: string): void => console.log(`engawa: ${line}`);

/** Creates the window, or brings the existing one to the front (a second launch lands here too). */
function showMainWindow(): void {
  if (mainWindow !== null && !mainWindow.isDestroyed()) {
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
    return;
  }
  const win = createMainWindow(path.join(app.getAppPath(), 'dist', 'electron', 'preload.cjs'));
  hideOnClose(win, () => quitting || desktop?.quitting() === true);
  win.on('hide', () => desktop?.windowHidden());
  win.on('closed', () => {
    mainWindow = null;
  });
  mainWindow = win;
}

/** Runs once the app is ready: windows, tray and safeStorage may only be used from here on. */
async function start(): Promise<void> {
  secureSession(session.defaultSession, path.join(app.getAppPath(), 'dist', 'renderer'));
  const env = process.env;
  const home = engawaHome(env);
  const settings = await SettingsStore.open(home);
  const secrets = new SafeStorageSecretStore({ home, safeStorage, allowPlainText: () => settings.get().allowPlainTextSecrets });
  const images = await loadImageMap(env.ENGAWA_IMAGES);
  const services = createServices({ home, env, images, recipeFiles: recipeFilesFromEnv(env), secrets, log });
  const loginItem = { app, platform: process.platform, env, executable: process.execPath };
  const core = createCore({
    services,
    settings,
    info: { version: app.getVersion(), platform: process.platform, shell: 'electron', systemLanguages: app.getPreferredSystemLanguages() },
    log,
    backups: { secrets, images, env },
    onSettingsChanged: async (next, previous) => {
      if (next.launchAtLogin !== previous.launchAtLogin) await applyLaunchAtLogin(next.launchAtLogin, loginItem);
      if (next.language !== previous.language) desktop?.languageChanged();
    },
  });
  registerIpc(ipcMain, core);
  desktop = startDesktop({
    app,
    Tray,
    Menu,
    Notification,
    dialog,
    shell,
    core,
    platform: process.platform,
    iconDir: app.isPackaged ? path.join(process.resourcesPath, 'tray') : path.join(app.getAppPath(), 'resources', 'tray'),
    catalogueDir: path.join(app.getAppPath(), 'renderer', 'src', 'i18n'),
    settings: () => settings.get(),
    showWindow: showMainWindow,
    window: () => mainWindow,
    log,
  });
  app.on('second-instance', showMainWindow);
  app.on('activate', showMainWindow);
  if (!startedHidden(process.argv, loginItem)) showMainWindow();
  startUpdater({
    updater: electronUpdater.autoUpdater,
    dialog,
    t: () => desktop!.t(),
    isPackaged: app.isPackaged,
    selfUpdating: process.platform !== 'linux' || env.APPIMAGE !== undefined,
    beforeRestart: () => {
      quitting = true;
    },
    log,
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  if (process.platform === 'win32') app.setAppUserModelId('app.engawa.desktop');
  app.on('web-contents-created', (_event, contents) => lockDownContents(contents));
  app.on('before-quit', () => {
    quitting = true;
  });
  // the tray keeps Engawa running with no window open
  app.on('window-all-closed', () => {});
  app
    .whenReady()
    .then(start)
    .catch((e: unknown) => {
      console.error('Engawa could not start:', e);
      app.exit(1);
    });
}

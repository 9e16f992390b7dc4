/**
 * The desktop app's entry (bundled to dist/electron/main.cjs): hands the real Electron, the
 * updater and this process to the composition root in start-app.ts. Nothing else lives here, so
 * every behaviour of the app can be tested by starting it against fakes.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, Notification, powerMonitor, protocol, safeStorage, session, shell, Tray } from 'electron';
import electronUpdater from 'electron-updater';
import { startApp } from './start-app';

startApp({
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  Notification,
  powerMonitor,
  protocol,
  safeStorage,
  session,
  shell,
  Tray,
  autoUpdater: () => electronUpdater.autoUpdater,
  platform: process.platform,
  env: process.env,
  argv: process.argv,
  execPath: process.execPath,
  resourcesPath: process.resourcesPath,
});

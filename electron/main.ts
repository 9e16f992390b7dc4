/**
 * Composition root of the desktop app: single-instance lock, the secure `app://` session, the
 * IPC answers behind `window.engawa`, and the main window. Wiring only; the logic lives in
 * adapters/ (Electron glue) and core/ (plain Node).
 */
import path from 'node:path';
import { app, BrowserWindow, ipcMain, session, type IpcMainInvokeEvent } from 'electron';
import { toEngawaError } from './core/errors';
import { ipcChannel, type ApiMethod, type ApiResult, type ApiResults } from './shared/contract';
import { createMainWindow, isAppUrl, lockDownContents, registerAppScheme, secureSession } from './adapters/window';

let mainWindow: BrowserWindow | null = null;

/** Creates the window, or brings the existing one to the front (a second launch lands here too). */
function showMainWindow(): void {
  if (mainWindow !== null && !mainWindow.isDestroyed()) {
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
    return;
  }
  mainWindow = createMainWindow(path.join(app.getAppPath(), 'dist', 'electron', 'preload.cjs'));
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
}

/** Only the top frame of our own page may call the API; anything else is refused. */
function fromOurPage(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && isAppUrl(frame.url);
}

/** Answers one API method over IPC, checking the sender and wrapping the result in the envelope. */
function answer<M extends ApiMethod>(method: M, run: () => ApiResults[M] | Promise<ApiResults[M]>): void {
  ipcMain.handle(ipcChannel(method), async (event): Promise<ApiResult<ApiResults[M]>> => {
    if (!fromOurPage(event)) {
      return { ok: false, error: { code: 'FORBIDDEN', message: 'This page is not allowed to use Engawa.' } };
    }
    try {
      return { ok: true, value: await run() };
    } catch (e) {
      return { ok: false, error: toEngawaError(e).toJSON() };
    }
  });
}

/** Runs once the app is ready: windows may only be created from here on. */
function start(): void {
  secureSession(session.defaultSession, path.join(app.getAppPath(), 'dist', 'renderer'));
  answer('app.info', () => ({ version: app.getVersion(), platform: process.platform }));
  app.on('second-instance', showMainWindow);
  app.on('activate', showMainWindow);
  showMainWindow();
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  if (process.platform === 'win32') app.setAppUserModelId('app.engawa.desktop');
  app.on('web-contents-created', (_event, contents) => lockDownContents(contents));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app
    .whenReady()
    .then(start)
    .catch((e: unknown) => {
      console.error('Engawa could not start:', e);
      app.exit(1);
    });
}

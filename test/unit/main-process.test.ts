/**
 * The composition root (electron/main.ts) against a fake Electron: the single-instance lock, the
 * app:// scheme and session, the window, a second launch focusing it, and the IPC answer that
 * only our own top-level page may get.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';

function makeState(lock: boolean) {
  const calls: string[] = [];
  const handlers = new Map<string, (event: unknown) => Promise<unknown>>();
  const windows: { options: { webPreferences: { preload: string } } }[] = [];
  const app = Object.assign(new EventEmitter(), {
    requestSingleInstanceLock: () => lock,
    quit: () => calls.push('quit'),
    exit: (code: number) => calls.push(`exit ${code}`),
    setAppUserModelId: () => {},
    getAppPath: () => '/opt/engawa/app.asar',
    getVersion: () => '1.2.3',
    whenReady: () => Promise.resolve(),
  });
  class BrowserWindow extends EventEmitter {
    webContents = new EventEmitter();
    constructor(readonly options: { webPreferences: { preload: string } }) {
      super();
      windows.push(this);
    }
    loadURL(url: string) {
      calls.push(`load ${url}`);
      return Promise.resolve();
    }
    isDestroyed = () => false;
    isMinimized = () => false;
    show() {}
    focus() {
      calls.push('focus');
    }
  }
  const electron = {
    app,
    BrowserWindow,
    ipcMain: { handle: (channel: string, fn: (event: unknown) => Promise<unknown>) => handlers.set(channel, fn) },
    protocol: { registerSchemesAsPrivileged: (s: { scheme: string }[]) => calls.push(`scheme ${s.map((x) => x.scheme).join()}`) },
    session: {
      defaultSession: {
        protocol: { handle: (scheme: string) => calls.push(`handle ${scheme}`) },
        setPermissionRequestHandler: () => {},
        setPermissionCheckHandler: () => {},
      },
    },
    shell: { openExternal: async () => {} },
  };
  return { calls, handlers, windows, app, electron };
}

/** Loads a fresh copy of main.ts against a new fake Electron and lets `whenReady` settle. */
async function boot(lock: boolean) {
  const state = makeState(lock);
  vi.resetModules();
  vi.doMock('electron', () => state.electron);
  await import('../../electron/main');
  await new Promise((resolve) => setImmediate(resolve));
  return state;
}

describe('main process', () => {
  it('quits at once when another instance holds the lock', async () => {
    const { calls, windows } = await boot(false);
    expect(calls).toEqual(['quit']);
    expect(windows).toHaveLength(0);
  });

  it('registers app://, serves it, and opens one window with the bundled preload', async () => {
    const { calls, windows } = await boot(true);
    expect(calls).toEqual(['scheme app', 'handle app', 'load app://engawa/index.html']);
    expect(windows).toHaveLength(1);
    expect(windows[0]?.options.webPreferences.preload).toBe('/opt/engawa/app.asar/dist/electron/preload.cjs');
  });

  it('focuses the existing window on a second launch instead of opening another', async () => {
    const { app, calls, windows } = await boot(true);
    app.emit('second-instance');
    expect(windows).toHaveLength(1);
    expect(calls.at(-1)).toBe('focus');
  });

  it('answers app.info to our own page only', async () => {
    const { handlers } = await boot(true);
    const info = handlers.get('api:app.info');
    expect(await info?.({ senderFrame: { url: 'app://engawa/index.html', parent: null } })).toEqual({
      ok: true,
      value: { version: '1.2.3', platform: process.platform },
    });
    const refused = { ok: false, error: { code: 'FORBIDDEN', message: 'This page is not allowed to use Engawa.' } };
    expect(await info?.({ senderFrame: { url: 'https://evil.example/', parent: null } })).toEqual(refused);
    expect(await info?.({ senderFrame: { url: 'app://engawa/index.html', parent: {} } })).toEqual(refused);
    expect(await info?.({ senderFrame: null })).toEqual(refused);
  });
});

/**
 * The composition root (electron/start-app.ts) against a fake Electron: the single-instance lock,
 * the app:// scheme and session, one IPC channel per contract method answering only our own page,
 * the window (closing it hides it: Engawa stays in the tray), the tray, and a hidden start.
 * Each test starts its own app with startApp(fakes); nothing is mocked or re-imported.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_METHODS } from '../../electron/shared/contract';
import { startApp, type StartAppDeps } from '../../electron/start-app';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
let home: string;
const savedDockerHost = process.env.DOCKER_HOST;
/** A Docker socket that does not exist: never the real engine. */
const noDocker = (): string => `unix://${path.join(home, 'no-docker.sock')}`;
beforeAll(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'engawa-main-'));
  // the app gets its environment from startApp; code that reads process.env itself must not find the real engine either
  process.env.DOCKER_HOST = noDocker();
});
afterAll(() => {
  if (savedDockerHost === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = savedDockerHost;
  rmSync(home, { recursive: true, force: true });
});

function makeState(lock: boolean, isPackaged = false) {
  const calls: string[] = [];
  const handlers = new Map<string, (event: unknown, input?: unknown) => Promise<unknown>>();
  const windows: FakeWindow[] = [];
  const trays: string[] = [];
  const app = Object.assign(new EventEmitter(), {
    requestSingleInstanceLock: () => lock,
    quit: () => calls.push('quit'),
    exit: (code: number) => calls.push(`exit ${code}`),
    setAppUserModelId: () => {},
    getAppPath: () => repoRoot,
    getVersion: () => '1.2.3',
    getPreferredSystemLanguages: () => ['en-US'],
    getLoginItemSettings: () => ({ wasOpenedAtLogin: false }),
    setLoginItemSettings: () => {},
    isPackaged,
    whenReady: () => Promise.resolve(),
  });
  class FakeWindow extends EventEmitter {
    webContents = new EventEmitter();
    hidden = false;
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
    hide() {
      this.hidden = true;
    }
    focus() {
      calls.push('focus');
    }
  }
  class Tray {
    constructor(image: string) {
      trays.push(path.basename(image));
    }
    on() {}
    setImage() {}
    setToolTip() {}
    setContextMenu() {}
    destroy() {}
  }
  const electron = {
    app,
    BrowserWindow: FakeWindow,
    Tray,
    Menu: { buildFromTemplate: (t: unknown) => t },
    Notification: Object.assign(class {}, { isSupported: () => false }),
    dialog: {
      showMessageBox: async () => ({ response: 2 }),
      showOpenDialog: async (parent: unknown) => (
        calls.push(`open dialog${parent instanceof FakeWindow ? ' over the window' : ''}`),
        { canceled: false, filePaths: ['/media/usb/home-20250101T000000000Z.engawa.age'] }
      ),
    },
    safeStorage: {},
    powerMonitor: { on: (event: string) => calls.push(`power ${event}`) },
    ipcMain: { handle: (channel: string, fn: (event: unknown) => Promise<unknown>) => handlers.set(channel, fn), removeHandler: () => {} },
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
  return { calls, handlers, windows, trays, app, electron };
}

/** Starts an app against a new fake Electron and lets start-up settle. */
async function boot(lock: boolean, argv: string[] = [], opts: { isPackaged?: boolean; env?: Record<string, string> } = {}) {
  const state = makeState(lock, opts.isPackaged);
  // every piece startApp takes, no more: the fakes implement only what the app uses
  const deps: Record<keyof StartAppDeps, unknown> = {
    ...state.electron,
    autoUpdater: () => ({}),
    platform: process.platform,
    env: { ENGAWA_HOME: home, DOCKER_HOST: noDocker(), ...opts.env },
    argv: ['electron', '.', ...argv],
    execPath: process.execPath,
    resourcesPath: path.join(repoRoot, 'resources'),
    // never the real Docker Desktop: a start at login is recorded
    startDocker: async () => (state.calls.push('start docker'), { started: false, how: 'Docker Desktop is not installed.' }),
  };
  await startApp(deps as StartAppDeps).started;
  return state;
}

describe('main process', () => {
  it('quits at once when another instance holds the lock', async () => {
    const { calls, windows } = await boot(false);
    expect(calls).toEqual(['quit']);
    expect(windows).toHaveLength(0);
  });

  it('registers app://, serves it, listens for wake and unlock, opens one window with the bundled preload, and a tray', async () => {
    const { calls, windows, trays } = await boot(true);
    expect(calls).toEqual(['scheme app', 'handle app', 'power resume', 'power unlock-screen', 'load app://engawa/index.html']);
    expect(windows).toHaveLength(1);
    expect(windows[0]?.options.webPreferences.preload).toBe(path.join(repoRoot, 'dist/electron/preload.cjs'));
    expect(trays).toEqual([
      process.platform === 'darwin' ? 'tray-stoppedTemplate.png' : process.platform === 'win32' ? 'tray-stopped.ico' : 'tray-stopped.png',
    ]);
  });

  it('focuses the existing window on a second launch instead of opening another', async () => {
    const { app, calls, windows } = await boot(true);
    app.emit('second-instance');
    expect(windows).toHaveLength(1);
    expect(calls.at(-1)).toBe('focus');
  });

  it('hides the window on close (Engawa stays in the tray) but lets it close when quitting', async () => {
    const { app, windows } = await boot(true);
    const win = windows[0]!;
    const event = { preventDefault: vi.fn() };
    win.emit('close', event);
    expect(event.preventDefault).toHaveBeenCalled();
    expect(win.hidden).toBe(true);
    app.emit('before-quit');
    const later = { preventDefault: vi.fn() };
    win.emit('close', later);
    expect(later.preventDefault).not.toHaveBeenCalled();
  });

  it('starts without a window when launched at login (--hidden), and starts Docker when it does not answer', async () => {
    const { windows, trays, calls } = await boot(true, ['--hidden']);
    expect(windows).toHaveLength(0);
    expect(trays).toHaveLength(1);
    await vi.waitFor(() => expect(calls).toContain('start docker'));
  });

  it('answers every contract method over IPC, to our own page only', async () => {
    const { handlers } = await boot(true);
    expect([...handlers.keys()].sort()).toEqual(API_METHODS.map((m) => `api:${m}`).sort());
    const sender = Object.assign(new EventEmitter(), { isDestroyed: () => false, send: () => {} });
    const info = handlers.get('api:app.info');
    expect(await info?.({ sender, senderFrame: { url: 'app://engawa/index.html', parent: null } })).toEqual({
      ok: true,
      value: { version: '1.2.3', platform: process.platform, shell: 'electron', systemLanguages: ['en-US'] },
    });
    const refused = { ok: false, error: { code: 'FORBIDDEN', message: 'This page is not allowed to use Engawa.' } };
    expect(await info?.({ sender, senderFrame: { url: 'https://evil.example/', parent: null } })).toEqual(refused);
    expect(await info?.({ sender, senderFrame: { url: 'app://engawa/index.html', parent: {} } })).toEqual(refused);
    expect(await info?.({ sender, senderFrame: null })).toEqual(refused);
  });

  it('answers backups.chooseFile with the file the system dialog gave, opened over the window', async () => {
    const { handlers, calls } = await boot(true);
    const sender = Object.assign(new EventEmitter(), { isDestroyed: () => false, send: () => {} });
    const chosen = await handlers.get('api:backups.chooseFile')?.({ sender, senderFrame: { url: 'app://engawa/index.html', parent: null } });
    expect(chosen).toEqual({ ok: true, value: { file: '/media/usb/home-20250101T000000000Z.engawa.age' } });
    expect(calls.at(-1)).toBe('open dialog over the window');
  });

  it('honours the test hooks in development only: a packaged app ignores them', async () => {
    const hooks = {
      ENGAWA_RECIPES: path.join(repoRoot, 'test/fixtures/recipes/test-web.json'),
      ENGAWA_IMAGES: 'not even JSON', // read in development (and refused there), never in the packaged app
      ENGAWA_CLOUDFLARE_API_URL: 'http://evil.example/client/v4',
      ENGAWA_TUNNEL_EDGE_URL: 'http://evil.example/',
    };
    const dev = await boot(true, [], { env: hooks });
    expect(dev.calls).toContain('exit 1'); // the bad image map and the plain-http API address stop a development start

    const packaged = await boot(true, [], { isPackaged: true, env: hooks });
    expect(packaged.calls).not.toContain('exit 1');
    const sender = Object.assign(new EventEmitter(), { isDestroyed: () => false, send: () => {} });
    const stacks = (await packaged.handlers.get('api:stacks.list')?.({ sender, senderFrame: { url: 'app://engawa/index.html', parent: null } })) as {
      ok: boolean;
      value: { id: string }[];
    };
    expect(stacks.ok).toBe(true);
    expect(stacks.value.map((s) => s.id)).not.toContain('test-web');

    const devRecipes = await boot(true, [], { env: { ENGAWA_RECIPES: hooks.ENGAWA_RECIPES } });
    const listed = (await devRecipes.handlers.get('api:stacks.list')?.({ sender, senderFrame: { url: 'app://engawa/index.html', parent: null } })) as {
      value: { id: string }[];
    };
    expect(listed.value.map((s) => s.id)).toContain('test-web');
  });

  it('quits on `Engawa --quit` from a second launch, leaving the servers running', async () => {
    const { app, calls, windows } = await boot(true);
    app.emit('second-instance', {}, ['Engawa', '--quit']);
    expect(calls.at(-1)).toBe('quit');
    expect(windows).toHaveLength(1); // no new window, no dialog
  });

  it('writes the tray menu for the packaged-app smoke test when asked (ENGAWA_SMOKE_REPORT)', async () => {
    const report = path.join(home, 'smoke.json');
    await boot(true, [], { isPackaged: true, env: { ENGAWA_SMOKE_REPORT: report } });
    const written = JSON.parse(readFileSync(report, 'utf8')) as { trayMenu: string[]; packaged: boolean };
    expect(written.packaged).toBe(true);
    expect(written.trayMenu).toEqual(expect.arrayContaining(['Open Engawa', 'Quit Engawa']));
  });
});

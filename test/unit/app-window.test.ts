/**
 * The window adapter's security policy (electron/adapters/window.ts) with Electron replaced by
 * fakes: what the app:// handler serves (and refuses), the CSP on every answer, navigation and
 * pop-up blocking, the permission-less session and the window's webPreferences.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMainWindow, isAppUrl, isExternalLink, lockDownContents, resolveAppFile, secureSession, serveAppRequest } from '../../electron/adapters/window';
import { CONTENT_SECURITY_POLICY } from '../../electron/shared/csp';

const electron = {
  openExternal: vi.fn(async (_url: string) => {}),
  windows: [] as { options: unknown; url?: string }[],
};
const shell = { openExternal: electron.openExternal };
class FakeWindow {
  webContents = {};
  url?: string;
  constructor(readonly options: unknown) {
    electron.windows.push(this);
  }
  once(): void {}
  show(): void {}
  loadURL(url: string): Promise<void> {
    this.url = url;
    return Promise.resolve();
  }
}

let root: string;
beforeAll(() => {
  const base = mkdtempSync(path.join(tmpdir(), 'engawa-app-protocol-'));
  root = path.join(base, 'renderer');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Engawa</title>');
  writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(base, 'secret.txt'), 'outside the root');
});
afterAll(() => rmSync(path.dirname(root), { recursive: true, force: true }));
beforeEach(() => {
  electron.openExternal.mockClear();
  electron.windows.length = 0;
});

describe('app:// URLs', () => {
  it('recognises only our scheme and host', () => {
    expect(isAppUrl('app://engawa/index.html')).toBe(true);
    expect(isAppUrl('app://engawa.evil/index.html')).toBe(false);
    expect(isAppUrl('app://other/index.html')).toBe(false);
    expect(isAppUrl('https://engawa/index.html')).toBe(false);
    expect(isAppUrl('file:///index.html')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });

  it('treats only https links as external', () => {
    expect(isExternalLink('https://dash.cloudflare.com/')).toBe(true);
    expect(isExternalLink('http://example.com/')).toBe(false);
    expect(isExternalLink('file:///etc/passwd')).toBe(false);
    expect(isExternalLink('javascript:alert(1)')).toBe(false);
  });

  it('maps paths inside the root and / to index.html', () => {
    expect(resolveAppFile(root, 'app://engawa/')).toBe(path.join(root, 'index.html'));
    expect(resolveAppFile(root, 'app://engawa/assets/app.js?v=1#x')).toBe(path.join(root, 'assets', 'app.js'));
  });

  // dot segments are removed by URL parsing (so they stay inside the root); encoded slashes,
  // NUL bytes, bad escapes and other hosts are refused
  it.each([
    ['app://engawa/../secret.txt', 'secret.txt'],
    ['app://engawa/%2e%2e/secret.txt', 'secret.txt'],
    ['app://engawa//etc/passwd', 'etc/passwd'],
    ['app://engawa/assets/..%2fapp.js', 'app.js'],
    ['app://engawa/assets/..%2f..%2fsecret.txt', null],
    ['app://engawa/..%5csecret.txt', null],
    ['app://engawa/%00index.html', null],
    ['app://engawa/%E0%A4%A', null],
    ['app://other/index.html', null],
  ])('never leaves the root: %s', (url, inside) => {
    expect(resolveAppFile(root, url)).toBe(inside === null ? null : path.join(root, inside));
  });
});

describe('serveAppRequest', () => {
  it('serves files with their content type and the CSP header', async () => {
    const res = await serveAppRequest(root, { url: 'app://engawa/assets/app.js', method: 'GET' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await res.text()).toBe('console.log(1)');
  });

  it('answers 404 (with the CSP) for missing files and for paths leaving the root', async () => {
    for (const url of ['app://engawa/missing.js', 'app://engawa/..%2fsecret.txt', 'app://engawa/assets/']) {
      const res = await serveAppRequest(root, { url, method: 'GET' });
      expect(res.status, url).toBe(404);
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    }
  });

  it('refuses methods other than GET and HEAD', async () => {
    const res = await serveAppRequest(root, { url: 'app://engawa/index.html', method: 'POST' });
    expect(res.status).toBe(405);
  });
});

describe('lockDownContents', () => {
  function fakeContents() {
    const contents = Object.assign(new EventEmitter(), {
      openHandler: undefined as undefined | ((d: { url: string }) => { action: string }),
      setWindowOpenHandler(h: (d: { url: string }) => { action: string }) {
        this.openHandler = h;
      },
    });
    lockDownContents(contents as never, shell);
    return contents;
  }

  it('blocks every navigation and opens https targets in the browser', () => {
    const contents = fakeContents();
    for (const url of ['https://example.org/docs', 'http://example.org/', 'app://engawa/other.html', 'file:///etc/passwd']) {
      const event = { preventDefault: vi.fn() };
      contents.emit('will-navigate', event, url);
      expect(event.preventDefault, url).toHaveBeenCalled();
    }
    expect(electron.openExternal.mock.calls).toEqual([['https://example.org/docs']]);
  });

  it('denies every new window, handing https links to the browser', () => {
    const contents = fakeContents();
    expect(contents.openHandler?.({ url: 'https://example.org/' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'http://example.org/' })).toEqual({ action: 'deny' });
    expect(electron.openExternal.mock.calls).toEqual([['https://example.org/']]);
  });

  it('refuses to attach webviews', () => {
    const contents = fakeContents();
    const event = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', event);
    expect(event.preventDefault).toHaveBeenCalled();
  });
});

describe('secureSession and createMainWindow', () => {
  it('serves app:// from the root and denies all permissions', async () => {
    let handler: ((r: { url: string; method: string }) => Promise<Response>) | undefined;
    let request: ((c: unknown, p: string, cb: (ok: boolean) => void) => void) | undefined;
    let check: (() => boolean) | undefined;
    const session = {
      protocol: { handle: (scheme: string, h: typeof handler) => scheme === 'app' && (handler = h) },
      setPermissionRequestHandler: (h: typeof request) => (request = h),
      setPermissionCheckHandler: (h: typeof check) => (check = h),
    };
    secureSession(session as never, root);
    expect((await handler?.({ url: 'app://engawa/index.html', method: 'GET' }))?.status).toBe(200);
    const answers: boolean[] = [];
    request?.({}, 'media', (ok) => answers.push(ok));
    expect(answers).toEqual([false]);
    expect(check?.()).toBe(false);
  });

  it('creates the window with isolation, sandbox and no Node, and loads app://', () => {
    createMainWindow(FakeWindow as never, '/app/dist/electron/preload.cjs');
    expect(electron.windows).toHaveLength(1);
    const [win] = electron.windows;
    expect(win?.options).toMatchObject({
      show: false,
      webPreferences: {
        preload: '/app/dist/electron/preload.cjs',
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
      },
    });
    expect(win?.url).toBe('app://engawa/index.html');
  });
});

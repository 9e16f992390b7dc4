/**
 * The main window and everything that keeps it safe: the `app://` protocol that serves the built
 * renderer (never `file://`), the CSP header, secure webPreferences, blocked navigation and
 * pop-ups, and a session that grants the app's own page clipboard writes and nothing else. Electron's pieces (BrowserWindow, protocol,
 * shell, the session) are passed in by the composition root (start-app.ts), so this file imports
 * only Electron's types and runs against fakes in tests.
 * @see https://www.electronjs.org/docs/latest/tutorial/security
 */
import { readFile } from 'node:fs/promises';
import type { BrowserWindow, BrowserWindowConstructorOptions, Protocol, Session, Shell, WebContents } from 'electron';
import { contentTypeOf, resolveStaticFile, SECURITY_HEADERS } from '../core/host/static';
import { isExternalLink } from './links';

/** The scheme and host the renderer is served from: `app://engawa/index.html`. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'engawa';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** True for URLs of our own renderer (scheme and host compared exactly, never by prefix). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

export { isExternalLink };

/**
 * Maps an `app://engawa/…` URL to a file inside `root`, or null when the URL is not ours or its
 * path (after decoding, so `%2e%2e%2f` counts) would leave `root`. `/` maps to index.html.
 */
export function resolveAppFile(root: string, url: string): string | null {
  return isAppUrl(url) ? resolveStaticFile(root, url) : null;
}

/** Answers one `app://` request from the files under `root`, with the CSP header on every answer. */
export async function serveAppRequest(root: string, request: { url: string; method: string }): Promise<Response> {
  const headers = { ...SECURITY_HEADERS };
  if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405, headers });
  const file = resolveAppFile(root, request.url);
  if (file === null) return new Response(null, { status: 404, headers });
  try {
    const body = await readFile(file);
    return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers: { ...headers, 'Content-Type': contentTypeOf(file) } });
  } catch {
    return new Response(null, { status: 404, headers });
  }
}

/** Electron's BrowserWindow class (or a fake of it). */
export type WindowClass = new (options: BrowserWindowConstructorOptions) => BrowserWindow;

/** Declares `app:` a secure standard scheme; must run before the app is ready. */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/**
 * The one permission the app's own page gets: writing to the clipboard (the copy buttons, e.g. for
 * the admin password shown once). Reading it, and everything else (camera, notifications …), is
 * denied, and so is any permission for any other origin.
 */
export function allowsPermission(permission: string, origin: string | undefined): boolean {
  return permission === 'clipboard-sanitized-write' && origin !== undefined && isAppUrl(origin);
}

/** Serves `root` on `app://` in `session` and answers permissions by `allowsPermission`. */
export function secureSession(session: Pick<Session, 'protocol' | 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>, root: string): void {
  session.protocol.handle(APP_SCHEME, (request) => serveAppRequest(root, request));
  session.setPermissionRequestHandler((_contents, permission, callback, details) => callback(allowsPermission(permission, details?.requestingUrl)));
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => allowsPermission(permission, requestingOrigin));
}

/** Blocks navigation, pop-ups and webviews; links that may leave (links.ts) open in the user's browser instead. */
export function lockDownContents(contents: Pick<WebContents, 'on' | 'setWindowOpenHandler'>, shell: Pick<Shell, 'openExternal'>): void {
  const openOutside = (url: string): void => {
    if (isExternalLink(url)) shell.openExternal(url).catch((e: unknown) => console.error(`engawa: could not open ${url} in the browser:`, e));
  };
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    openOutside(url);
  });
  contents.setWindowOpenHandler(({ url }) => {
    openOutside(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/**
 * Creates the main window with secure defaults and loads the renderer from `app://`.
 * Navigation and pop-ups are locked down for every WebContents by start-app.ts (`web-contents-created`).
 */
export function createMainWindow(MainWindow: WindowClass, preloadPath: string): BrowserWindow {
  const win = new MainWindow({
    width: 960,
    height: 680,
    minWidth: 640,
    minHeight: 480,
    show: false,
    title: 'Engawa',
    backgroundColor: '#f6f4ef',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.loadURL(APP_ENTRY_URL).catch((e: unknown) => console.error('engawa: the window could not load the renderer:', e));
  return win;
}

/**
 * One link rule for the window and the tray (https anywhere, http only to loopback), and the one
 * permission the app's page gets (clipboard writes, for the copy buttons).
 */
import { describe, expect, it } from 'vitest';
import { isExternalLink } from '../../../electron/adapters/links';
import { allowsPermission, isExternalLink as windowRule, lockDownContents, secureSession } from '../../../electron/adapters/window';

describe('the link rule', () => {
  it.each([
    ['https://dash.cloudflare.com/', true],
    ['https://social.example.com/@me', true],
    ['http://127.0.0.1:28001/', true],
    ['http://localhost:28001/', true],
    ['http://[::1]:28001/', true],
    ['http://192.168.1.20:28001/', false],
    ['http://example.com/', false],
    ['http://user:pw@127.0.0.1:28001/', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['app://engawa/index.html', false],
    ['not a url', false],
  ])('%s → %s', (url, allowed) => {
    expect(isExternalLink(url)).toBe(allowed);
  });

  it('is the very same function in the window (and the tray imports it from links.ts)', () => {
    expect(windowRule).toBe(isExternalLink);
  });

  it('lets the window open the local server link in the browser, and nothing on the LAN', () => {
    const opened: string[] = [];
    let openHandler: ((d: { url: string }) => { action: string }) | undefined;
    const contents = { on: () => contents, setWindowOpenHandler: (h: typeof openHandler) => (openHandler = h) };
    lockDownContents(contents as never, { openExternal: async (url: string) => void opened.push(url) });
    expect(openHandler?.({ url: 'http://127.0.0.1:28001/' })).toEqual({ action: 'deny' });
    openHandler?.({ url: 'http://192.168.1.20:28001/' });
    expect(opened).toEqual(['http://127.0.0.1:28001/']);
  });
});

describe('permissions', () => {
  it('grants clipboard writes to the app’s own page only, and nothing else to anyone', () => {
    expect(allowsPermission('clipboard-sanitized-write', 'app://engawa')).toBe(true);
    expect(allowsPermission('clipboard-sanitized-write', 'app://engawa/index.html')).toBe(true);
    expect(allowsPermission('clipboard-sanitized-write', 'https://evil.example')).toBe(false);
    expect(allowsPermission('clipboard-sanitized-write', undefined)).toBe(false);
    for (const p of ['clipboard-read', 'media', 'notifications', 'geolocation', 'openExternal']) expect(allowsPermission(p, 'app://engawa')).toBe(false);
  });

  it('is what the session answers, for requests and checks', () => {
    let request: ((c: unknown, p: string, cb: (ok: boolean) => void, d?: { requestingUrl?: string }) => void) | undefined;
    let check: ((c: unknown, p: string, origin: string) => boolean) | undefined;
    secureSession(
      {
        protocol: { handle: () => {} },
        setPermissionRequestHandler: (h: typeof request) => (request = h),
        setPermissionCheckHandler: (h: typeof check) => (check = h),
      } as never,
      '/nowhere',
    );
    const answers: boolean[] = [];
    request?.({}, 'clipboard-sanitized-write', (ok) => answers.push(ok), { requestingUrl: 'app://engawa/index.html' });
    request?.({}, 'clipboard-sanitized-write', (ok) => answers.push(ok), { requestingUrl: 'https://evil.example/' });
    request?.({}, 'media', (ok) => answers.push(ok), { requestingUrl: 'app://engawa/index.html' });
    expect(answers).toEqual([true, false, false]);
    expect(check?.({}, 'clipboard-sanitized-write', 'app://engawa')).toBe(true);
    expect(check?.({}, 'clipboard-read', 'app://engawa')).toBe(false);
  });
});

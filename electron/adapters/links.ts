/**
 * Which links leave Engawa for the user's browser, one rule for the window and the tray: https
 * anywhere, and plain http only to this computer's loopback (the server's local address,
 * http://127.0.0.1:<port>). Everything else (file:, javascript:, http to another machine) is
 * dropped. Pure, so it is tested without Electron.
 */

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True for links we hand to the user's browser. */
export function isExternalLink(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === 'https:') return true;
  return u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname) && u.username === '' && u.password === '';
}

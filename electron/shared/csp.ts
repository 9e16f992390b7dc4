/**
 * The Content-Security-Policy the renderer runs under: only our own scripts, styles and images,
 * no inline scripts, no eval, no network beyond our own origin, no frames, no forms, no plugins.
 * The Electron protocol handler sends it with every response; the end-to-end tests add the same
 * header to the pages they load, so they prove the built renderer works under it.
 * @see https://www.electronjs.org/docs/latest/tutorial/security#7-define-a-content-security-policy
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

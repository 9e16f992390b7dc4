/**
 * The contract between the renderer and the main process: every API method, its result type and
 * the envelope results travel in. This file imports nothing; the renderer imports its types only.
 * It starts small (one method) and grows with the app.
 */

/** An error as it crosses IPC: `code` is stable (the renderer translates it), `message` is plain English. */
export interface ApiError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** Every API result travels in this envelope, so errors keep their code across IPC. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** What the app tells the renderer about itself. */
export interface AppInfo {
  /** the app's version, from package.json */
  version: string;
  /** Node's `process.platform` of the main process: 'darwin', 'win32', 'linux' … */
  platform: string;
}

/** Every API method, by name. Preload and main loop over this list. */
export const API_METHODS = ['app.info'] as const;

/** The name of one API method. */
export type ApiMethod = (typeof API_METHODS)[number];

/** The value each method resolves to. */
export interface ApiResults {
  'app.info': AppInfo;
}

/** The IPC channel a method is invoked on. */
export function ipcChannel(method: ApiMethod): `api:${ApiMethod}` {
  return `api:${method}`;
}

/**
 * What the preload exposes to the page as `window.engawa`. Methods reject with an Error whose
 * message is `[CODE] message` (contextBridge keeps only an Error's message).
 */
export interface EngawaBridge {
  /** Version and platform of the running app. */
  info(): Promise<AppInfo>;
}

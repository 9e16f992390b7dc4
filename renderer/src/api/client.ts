/**
 * How the renderer gets the API: `window.engawa` inside Electron (the preload), otherwise the
 * browser-mode host's WebSocket, found from the `token` in the page's address (kept in
 * sessionStorage so a reload works, and removed from the address bar). `createApi` turns either
 * transport into calls that resolve to values and reject with `ApiCallError`.
 * Components never touch `window`: the app creates its store from `getApi()` (or a fake in tests).
 */
import type { ApiArgs, ApiErrorCode, ApiEventName, ApiEvents, ApiMethod, ApiOutput, EngawaTransport } from '../../../electron/shared/contract';
import { createWsTransport, type WsTransport } from './ws-client';

/** The parameter and socket path of the browser-mode host (electron/shared/contract.ts). */
const TOKEN_PARAM = 'token';
const SOCKET_PATH = '/api';
const TOKEN_STORAGE_KEY = 'engawa.hostToken';

/** An API error: `code` is stable (translate it as `errors.<code>`), `message` is plain English. */
export class ApiCallError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

/** The typed API the renderer uses. */
export interface EngawaApi {
  /** calls a method; rejects with ApiCallError */
  call<M extends ApiMethod>(method: M, ...args: ApiArgs<M>): Promise<ApiOutput<M>>;
  /** listens to an event; returns the remover */
  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
  /** browser mode: told when the connection drops (false) and comes back (true); Electron: never */
  onConnection(listener: (connected: boolean) => void): () => void;
}

/** Wraps a transport (window.engawa, the WebSocket client, or a fake) into the typed API. */
export function createApi(transport: EngawaTransport & Partial<Pick<WsTransport, 'onConnection'>>): EngawaApi {
  return {
    async call(method, ...args) {
      const result = await transport.invoke(method, args[0]);
      if (result.ok) return result.value;
      throw new ApiCallError(result.error.code, result.error.message, result.error.details);
    },
    on: (event, listener) => transport.on(event, listener),
    onConnection: (listener) => transport.onConnection?.(listener) ?? (() => {}),
  };
}

/** The browser-mode token: from the address (then hidden from it) or from this tab's storage. */
function hostToken(win: Window): string | null {
  const url = new URL(win.location.href);
  const fromUrl = url.searchParams.get(TOKEN_PARAM);
  if (fromUrl) {
    try {
      win.sessionStorage.setItem(TOKEN_STORAGE_KEY, fromUrl);
      url.searchParams.delete(TOKEN_PARAM);
      win.history.replaceState(win.history.state, '', url.toString());
    } catch {
      // storage disabled: keep the token in the address so a reload still works
    }
    return fromUrl;
  }
  try {
    return win.sessionStorage.getItem(TOKEN_STORAGE_KEY);
  } catch {
    return null;
  }
}

/** The transport of this page: Electron's preload, else the host's WebSocket. */
export function getTransport(win: Window = window): EngawaTransport & Partial<Pick<WsTransport, 'onConnection'>> {
  const bridge = (win as Window & { engawa?: EngawaTransport }).engawa;
  if (bridge !== undefined) return bridge;
  const token = hostToken(win);
  if (token === null) {
    throw new ApiCallError('FORBIDDEN', 'Open Engawa with the address "npm run serve" printed (it holds the access token).');
  }
  const scheme = win.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return createWsTransport({ url: `${scheme}//${win.location.host}${SOCKET_PATH}?${TOKEN_PARAM}=${encodeURIComponent(token)}` });
}

let api: EngawaApi | undefined;

/** The page's API, created on first use. */
export function getApi(): EngawaApi {
  api ??= createApi(getTransport());
  return api;
}

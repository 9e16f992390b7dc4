/**
 * The contract over the browser-mode host's WebSocket (electron/core/host): the same
 * `EngawaTransport` as Electron's `window.engawa`. Requests carry ids; answers resolve them;
 * events go to listeners. Calls made while the first connection is opening wait for it; when the
 * connection drops, pending and new calls answer DISCONNECTED while it reconnects with backoff.
 * Subscriptions held by the host (logs) end with the connection: resubscribe in `onConnection`.
 */
import type { ApiEventName, ApiEvents, ApiInput, ApiMethod, ApiOutput, ApiResult, EngawaTransport, WsServerMessage } from '../../../electron/shared/contract';

/** The part of the browser's WebSocket this client uses (Node's `ws` fits too, for tests). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

export interface WsTransportOptions {
  /** ws://127.0.0.1:<port>/api?token=… */
  url: string;
  /** opens a socket; default: the browser's WebSocket */
  connect?: (url: string) => SocketLike;
  /** waits between reconnection attempts, the last one repeated */
  retryDelaysMs?: readonly number[];
}

/** The WebSocket transport, plus what only it has: connection changes and closing. */
export interface WsTransport extends EngawaTransport {
  /** `listener(true)` on every (re)connection, `listener(false)` when it drops; returns the remover */
  onConnection(listener: (connected: boolean) => void): () => void;
  /** closes for good (no reconnection) */
  close(): void;
}

const OPEN = 1;
const DEFAULT_RETRY_MS = [250, 500, 1000, 2000, 5000] as const;

const disconnected = (): ApiResult<never> => ({
  ok: false,
  error: { code: 'DISCONNECTED', message: 'The connection to Engawa was lost; it is being restored.' },
});

export function createWsTransport(opts: WsTransportOptions): WsTransport {
  const connect = opts.connect ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
  const delays = opts.retryDelaysMs ?? DEFAULT_RETRY_MS;
  const pending = new Map<number, (result: ApiResult<unknown>) => void>();
  const queued: string[] = [];
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const connectionListeners = new Set<(connected: boolean) => void>();
  let nextId = 1;
  let attempt = 0;
  let everOpened = false;
  let closedForGood = false;
  let socket: SocketLike;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const open = (): void => {
    socket = connect(opts.url);
    const current = socket;
    current.addEventListener('open', () => {
      attempt = 0;
      everOpened = true;
      for (const frame of queued.splice(0)) current.send(frame);
      for (const l of connectionListeners) l(true);
    });
    current.addEventListener('message', (event) => onMessage(event.data));
    current.addEventListener('close', () => {
      if (current !== socket) return;
      for (const resolve of pending.values()) resolve(disconnected());
      pending.clear();
      queued.length = 0;
      if (everOpened) for (const l of connectionListeners) l(false);
      if (!closedForGood) {
        const delay = delays[Math.min(attempt, delays.length - 1)] ?? 1000;
        attempt++;
        timer = setTimeout(open, delay);
      }
    });
    current.addEventListener('error', () => {
      // 'close' follows and handles it
    });
  };

  const onMessage = (data: unknown): void => {
    let message: WsServerMessage;
    try {
      message = JSON.parse(String(data)) as WsServerMessage;
    } catch {
      return;
    }
    if (typeof message.id === 'number') {
      const resolve = pending.get(message.id);
      pending.delete(message.id);
      resolve?.(message.result);
      return;
    }
    if ('event' in message) for (const l of listeners.get(message.event) ?? []) l(message.payload);
  };

  open();

  return {
    invoke<M extends ApiMethod>(method: M, input?: ApiInput<M>): Promise<ApiResult<ApiOutput<M>>> {
      const id = nextId++;
      const frame = JSON.stringify({ id, method, input });
      return new Promise((resolve) => {
        const connecting = !everOpened && !closedForGood && socket.readyState !== OPEN;
        if (socket.readyState !== OPEN && !connecting) {
          resolve(disconnected());
          return;
        }
        pending.set(id, resolve as (r: ApiResult<unknown>) => void);
        if (socket.readyState === OPEN) socket.send(frame);
        else queued.push(frame);
      });
    },
    on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
    close() {
      closedForGood = true;
      if (timer !== undefined) clearTimeout(timer);
      socket.close(1000, 'closed by the page');
    },
  };
}

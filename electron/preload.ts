/**
 * Runs in the sandboxed renderer before the page and exposes `window.engawa`, nothing else: an
 * `EngawaTransport` built from the contract's lists. `invoke` accepts only API_METHODS and
 * resolves to the result envelope; `on` accepts only API_EVENTS and gives listeners the payload,
 * never Electron's event object. No Electron object ever reaches the page.
 * @see https://www.electronjs.org/docs/latest/tutorial/context-isolation
 */
import { contextBridge, ipcRenderer } from 'electron';
import {
  API_EVENTS,
  API_METHODS,
  IPC_EVENT_CHANNEL,
  ipcChannel,
  type ApiEventMessage,
  type ApiMethod,
  type ApiResult,
  type EngawaTransport,
} from './shared/contract';

const methods: ReadonlySet<string> = new Set(API_METHODS);
const events: ReadonlySet<string> = new Set(API_EVENTS);
const listeners = new Map<string, Set<(payload: unknown) => void>>();

ipcRenderer.on(IPC_EVENT_CHANNEL, (_event, message: ApiEventMessage) => {
  if (typeof message !== 'object' || message === null || !events.has(message.event)) return;
  for (const listener of listeners.get(message.event) ?? []) listener(message.payload);
});

const bridge: EngawaTransport = {
  invoke(method, input) {
    if (!methods.has(method)) {
      const unknown: ApiResult<never> = { ok: false, error: { code: 'NOT_FOUND', message: `There is no API method "${String(method)}".` } };
      return Promise.resolve(unknown);
    }
    return ipcRenderer.invoke(ipcChannel(method as ApiMethod), input);
  },
  on(event, listener) {
    if (!events.has(event)) throw new Error(`There is no event "${String(event)}".`);
    const set = listeners.get(event) ?? new Set();
    listeners.set(event, set);
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => {
      set.delete(l);
    };
  },
};

contextBridge.exposeInMainWorld('engawa', bridge);

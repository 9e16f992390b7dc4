/**
 * The network came back: the page hears `window`'s `online` event (Electron's main process has no
 * such event, and in browser mode only the page can hear it) and tells the core through the one
 * API (`system.networkChanged`), which re-checks every running server — a tunnel connector often
 * does not reconnect by itself after the network was lost. A burst of events (a flapping Wi-Fi)
 * is sent once; the core joins the calls of several windows too.
 */
import { useEffect } from 'react';
import { useApi } from '../store/context';

/** Events within this long of the first one are sent with it. */
export const ONLINE_DEBOUNCE_MS = 2_000;

/** Listens for `online` on `target` and calls `send` once per burst; answers the function that stops listening. */
export function watchOnline(
  target: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>,
  send: () => Promise<unknown>,
  debounceMs = ONLINE_DEBOUNCE_MS,
): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onOnline = (): void => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      send().catch((e: unknown) => console.error('telling Engawa the network came back failed:', e));
    }, debounceMs);
  };
  target.addEventListener('online', onOnline);
  return () => {
    target.removeEventListener('online', onOnline);
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
}

/** The app's hook: while mounted, a network that comes back re-checks the servers. */
export function useNetworkRecheck(): void {
  const api = useApi();
  useEffect(() => watchOnline(window, () => api.call('system.networkChanged')), [api]);
}

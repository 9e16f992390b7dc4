/**
 * An in-memory Electron IPC pair for tests: `ipcMain.handle` ↔ `ipcRenderer.invoke` and
 * `webContents.send` ↔ `ipcRenderer.on`, with values structured-cloned as Electron does, and a
 * `contextBridge` that records what the preload exposes. The sender frame is configurable, so a
 * test can call from a foreign page or a sub-frame. Never import the real 'electron' in tests.
 */
type Handler = (event: unknown, ...args: unknown[]) => unknown;
type Listener = (event: unknown, ...args: unknown[]) => void;

export interface IpcPair {
  ipcMain: { handle(channel: string, handler: Handler): void; removeHandler(channel: string): void };
  ipcRenderer: { invoke(channel: string, ...args: unknown[]): Promise<unknown>; on(channel: string, listener: Listener): void };
  contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
  /** what the preload exposed, by key */
  exposed: Map<string, unknown>;
  /** the frame the renderer's calls come from */
  frame: { url: string; parent: unknown };
  /** the page (WebContents) of the renderer side */
  sender: { isDestroyed(): boolean; send(channel: string, ...args: unknown[]): void; once(event: 'destroyed', fn: () => void): void };
  /** channels with a handler */
  channels(): string[];
  /** the page goes away */
  destroy(): void;
}

export function createIpcPair(url = 'app://engawa/index.html'): IpcPair {
  const handlers = new Map<string, Handler>();
  const listeners = new Map<string, Listener[]>();
  const onDestroyed: (() => void)[] = [];
  let destroyed = false;
  const exposed = new Map<string, unknown>();
  const frame = { url, parent: null as unknown };
  const sender = {
    isDestroyed: () => destroyed,
    send(channel: string, ...args: unknown[]) {
      for (const l of listeners.get(channel) ?? []) l({ sender: 'main' }, ...args.map((a) => structuredClone(a)));
    },
    once(_event: 'destroyed', fn: () => void) {
      onDestroyed.push(fn);
    },
  };
  return {
    ipcMain: {
      handle(channel, handler) {
        if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        handlers.set(channel, handler);
      },
      removeHandler: (channel) => void handlers.delete(channel),
    },
    ipcRenderer: {
      async invoke(channel, ...args) {
        const handler = handlers.get(channel);
        if (handler === undefined) throw new Error(`No handler registered for '${channel}'`);
        const result = await handler({ sender, senderFrame: frame }, ...args.map((a) => structuredClone(a)));
        return structuredClone(result);
      },
      on(channel, listener) {
        listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
      },
    },
    contextBridge: { exposeInMainWorld: (key, api) => void exposed.set(key, api) },
    exposed,
    frame,
    sender,
    channels: () => [...handlers.keys()],
    destroy() {
      destroyed = true;
      for (const fn of onDestroyed.splice(0)) fn();
    },
  };
}

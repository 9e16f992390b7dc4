/**
 * Runs in the sandboxed renderer before the page and exposes `window.engawa`, nothing else: each
 * method invokes one IPC channel, unwraps the result envelope and rejects with
 * `[CODE] message`. No Electron object ever reaches the page.
 * @see https://www.electronjs.org/docs/latest/tutorial/context-isolation
 */
import { contextBridge, ipcRenderer } from 'electron';
import { ipcChannel, type ApiMethod, type ApiResult, type ApiResults, type EngawaBridge } from './shared/contract';

async function call<M extends ApiMethod>(method: M): Promise<ApiResults[M]> {
  const result = (await ipcRenderer.invoke(ipcChannel(method))) as ApiResult<ApiResults[M]>;
  if (result.ok) return result.value;
  // contextBridge copies only an Error's message across worlds, so the code travels in it
  throw new Error(`[${result.error.code}] ${result.error.message}`);
}

const bridge: EngawaBridge = {
  info: () => call('app.info'),
};

contextBridge.exposeInMainWorld('engawa', bridge);

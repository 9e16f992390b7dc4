/**
 * The contract over Electron IPC: one `ipcMain.handle` per method of API_METHODS (`api:<method>`),
 * each call's sender frame checked (our own top-level `app://` page only), then handed to the
 * shared dispatcher. Each page (WebContents) is one dispatcher session; its events are pushed on
 * IPC_EVENT_CHANNEL, and the session ends when the page goes away.
 * @see https://www.electronjs.org/docs/latest/tutorial/security#17-validate-the-sender-of-all-ipc-messages
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { API_METHODS, IPC_EVENT_CHANNEL, ipcChannel, type ApiResult } from '../shared/contract';
import { openSession, type Session } from '../core/api/dispatch';
import type { Core } from '../core/api/types';
import { isAppUrl } from './window';

/** The answer to a caller that is not our page. */
export const FORBIDDEN_RESULT: ApiResult<never> = {
  ok: false,
  error: { code: 'FORBIDDEN', message: 'This page is not allowed to use Engawa.' },
};

/** Only the top frame of our own page may call the API. */
export function fromOurPage(event: Pick<IpcMainInvokeEvent, 'senderFrame'>): boolean {
  const frame = event.senderFrame;
  return frame !== null && frame !== undefined && frame.parent === null && isAppUrl(frame.url);
}

/** Registers every method; returns a function that removes the handlers and ends the sessions. */
export function registerIpc(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, core: Core, allowed = fromOurPage): () => void {
  const sessions = new Map<WebContents, Session>();
  const sessionOf = (contents: WebContents): Session => {
    let session = sessions.get(contents);
    if (session === undefined) {
      const s = openSession(core, (message) => {
        if (!contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, message);
      });
      sessions.set(contents, s);
      contents.once('destroyed', () => {
        s.close();
        sessions.delete(contents);
      });
      session = s;
    }
    return session;
  };
  for (const method of API_METHODS) {
    ipcMain.handle(ipcChannel(method), async (event, input: unknown) => {
      if (!allowed(event)) return FORBIDDEN_RESULT;
      return sessionOf(event.sender).call(method, input);
    });
  }
  return () => {
    for (const method of API_METHODS) ipcMain.removeHandler(ipcChannel(method));
    for (const s of sessions.values()) s.close();
    sessions.clear();
  };
}

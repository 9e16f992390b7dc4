/**
 * Quitting: closing the window keeps Engawa in the tray; Quit asks whether to leave the servers
 * running (the default: Docker's restart policy keeps them up) or to stop them first.
 */
import type { BrowserWindow, Dialog } from 'electron';
import type { Translate } from '../core/tray/strings';

export type QuitChoice = 'keep-running' | 'stop-servers' | 'cancel';

/** Asks how to quit; the default button (Enter) keeps the servers running. */
export async function askHowToQuit(dialog: Pick<Dialog, 'showMessageBox'>, t: Translate, parent?: BrowserWindow): Promise<QuitChoice> {
  const options = {
    type: 'question' as const,
    title: t('quit.title'),
    message: t('quit.message'),
    detail: t('quit.detail'),
    buttons: [t('quit.keepRunning'), t('quit.stopAll'), t('quit.cancel')],
    defaultId: 0,
    cancelId: 2,
    noLink: true,
  };
  const { response } = parent ? await dialog.showMessageBox(parent, options) : await dialog.showMessageBox(options);
  return (['keep-running', 'stop-servers', 'cancel'] as const)[response] ?? 'cancel';
}

/**
 * Keeps the window's close button from quitting: the window hides (Engawa stays in the tray)
 * unless `quitting()` says the app is really quitting.
 */
export function hideOnClose(win: Pick<BrowserWindow, 'on' | 'hide'>, quitting: () => boolean): void {
  win.on('close', (event) => {
    if (quitting()) return;
    event.preventDefault();
    win.hide();
  });
}

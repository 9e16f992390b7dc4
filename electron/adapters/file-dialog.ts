/**
 * The desktop's file chooser for "Restore a server from a backup file" (`backups.chooseFile`): the
 * system's open dialog over the main window, in the UI language, showing backup files first. The
 * page never learns more than the one path the user picked. Electron is passed in, so it is
 * tested with a fake dialog.
 */
import type { BaseWindow, Dialog, OpenDialogOptions } from 'electron';
import type { Translate } from '../core/tray/strings';

/** The part of Electron's `dialog` the chooser uses. */
export type OpenDialog = Pick<Dialog, 'showOpenDialog'>;

/** A chooser of one backup file: its path, or null when the user cancelled. */
export function backupFileChooser(dialog: OpenDialog, window: () => BaseWindow | null, t: () => Translate | undefined): () => Promise<string | null> {
  return async () => {
    const tr = t();
    const options: OpenDialogOptions = {
      title: tr?.('restoreFile.dialog.title') ?? 'Choose a backup file',
      properties: ['openFile'],
      filters: [
        { name: tr?.('restoreFile.dialog.backups') ?? 'Engawa backups', extensions: ['age'] },
        { name: tr?.('restoreFile.dialog.all') ?? 'All files', extensions: ['*'] },
      ],
    };
    const parent = window();
    const result = parent !== null && !parent.isDestroyed() ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
    return result.canceled ? null : (result.filePaths[0] ?? null);
  };
}

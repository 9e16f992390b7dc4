/**
 * The desktop's backup file chooser (electron/adapters/file-dialog.ts) over a fake dialog: one
 * file, over the main window when there is one, backups first, in the UI language; a cancel is
 * null. (test/unit/main-process.test.ts checks that `backups.chooseFile` reaches it in the app.)
 */
import type { BaseWindow, OpenDialogOptions, OpenDialogReturnValue } from 'electron';
import { describe, expect, it } from 'vitest';
import { backupFileChooser, type OpenDialog } from '../../../electron/adapters/file-dialog';
import { translator } from '../../../electron/core/tray/strings';
import ja from '../../../renderer/src/i18n/ja.json';

function fakeDialog(answer: OpenDialogReturnValue) {
  const calls: { parent: unknown; options: OpenDialogOptions }[] = [];
  const showOpenDialog = async (a: BaseWindow | OpenDialogOptions, b?: OpenDialogOptions) => (
    calls.push(b === undefined ? { parent: null, options: a as OpenDialogOptions } : { parent: a, options: b }),
    answer
  );
  return { dialog: { showOpenDialog } as unknown as OpenDialog, calls };
}

const window = { isDestroyed: () => false } as unknown as BaseWindow;

describe('the backup file chooser', () => {
  it('asks for one file over the window, backups first, in the UI language, and answers its path', async () => {
    const { dialog, calls } = fakeDialog({ canceled: false, filePaths: ['/media/usb/home-20250101T000000000Z.engawa.age'] });
    const choose = backupFileChooser(
      dialog,
      () => window,
      () => translator(ja),
    );
    expect(await choose()).toBe('/media/usb/home-20250101T000000000Z.engawa.age');
    expect(calls).toEqual([
      {
        parent: window,
        options: {
          title: 'バックアップファイルを選択',
          properties: ['openFile'],
          filters: [
            { name: 'Engawa のバックアップ', extensions: ['age'] },
            { name: 'すべてのファイル', extensions: ['*'] },
          ],
        },
      },
    ]);
  });

  it('answers null when the user cancels, and opens on its own without a window', async () => {
    const { dialog, calls } = fakeDialog({ canceled: true, filePaths: [] });
    expect(
      await backupFileChooser(
        dialog,
        () => null,
        () => undefined,
      )(),
    ).toBeNull();
    expect(calls[0]?.parent).toBeNull();
    expect(calls[0]?.options.title).toBe('Choose a backup file');
  });
});

/**
 * Updates from GitHub releases with electron-updater: checked once on start (packaged builds
 * only), the user is asked before downloading and again before restarting; nothing restarts on
 * its own. The .deb build leaves updates to the package manager.
 * @see https://www.electron.build/auto-update
 */
import type { Dialog } from 'electron';
import type { AppUpdater, UpdateInfo } from 'electron-updater';
import type { Translate } from '../core/tray/strings';

export interface UpdaterDeps {
  updater: Pick<AppUpdater, 'on' | 'checkForUpdates' | 'downloadUpdate' | 'quitAndInstall'> & { autoDownload: boolean; autoInstallOnAppQuit: boolean };
  dialog: Pick<Dialog, 'showMessageBox'>;
  t: () => Translate;
  /** true only in a packaged app (not `electron .`) */
  isPackaged: boolean;
  /** false for builds the OS package manager updates (the Linux .deb: no `APPIMAGE` in the environment) */
  selfUpdating: boolean;
  /** called before quitAndInstall so the quit is not turned into hide-to-tray */
  beforeRestart: () => void;
  log: (line: string) => void;
}

/** Wires the updater and starts one check; returns false when updates are off for this build. */
export function startUpdater(deps: UpdaterDeps): boolean {
  if (!deps.isPackaged || !deps.selfUpdating) return false;
  const { updater, dialog } = deps;
  updater.autoDownload = false;
  updater.autoInstallOnAppQuit = false;
  updater.on('update-available', (info: UpdateInfo) => {
    const t = deps.t();
    void dialog
      .showMessageBox({
        type: 'info',
        title: t('update.available.title'),
        message: t('update.available.message', { version: info.version }),
        buttons: [t('update.available.download'), t('update.available.later')],
        defaultId: 0,
        cancelId: 1,
      })
      .then(({ response }) => (response === 0 ? updater.downloadUpdate() : undefined))
      .catch((e: unknown) => deps.log(`update download failed: ${(e as Error).message}`));
  });
  updater.on('update-downloaded', (info: UpdateInfo) => {
    const t = deps.t();
    void dialog
      .showMessageBox({
        type: 'info',
        title: t('update.ready.title'),
        message: t('update.ready.message', { version: info.version }),
        buttons: [t('update.ready.restart'), t('update.ready.later')],
        defaultId: 1,
        cancelId: 1,
      })
      .then(({ response }) => {
        if (response !== 0) return;
        deps.beforeRestart();
        updater.quitAndInstall();
      })
      .catch((e: unknown) => deps.log(`update restart failed: ${(e as Error).message}`));
  });
  updater.on('error', (e: Error) => deps.log(`update check failed: ${e.message}`));
  updater.checkForUpdates().catch((e: unknown) => deps.log(`update check failed: ${(e as Error).message}`));
  return true;
}

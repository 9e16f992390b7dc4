/**
 * Launch at login: Electron's login items on macOS and Windows (started with `--hidden`, so Engawa
 * opens in the tray only), an XDG autostart entry on Linux (core/api/autostart.ts).
 * @see https://www.electronjs.org/docs/latest/api/app#appsetloginitemsettingssettings-macos-windows
 */
import os from 'node:os';
import type { App } from 'electron';
import { HIDDEN_ARG, setLinuxAutostart } from '../core/api/autostart';

export interface LoginItemDeps {
  app: Pick<App, 'setLoginItemSettings' | 'getLoginItemSettings'>;
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  /** the program to start (process.execPath); on Linux the AppImage path ($APPIMAGE) wins */
  executable: string;
  homedir?: string;
}

/** Turns launch at login on or off. */
export async function applyLaunchAtLogin(enabled: boolean, deps: LoginItemDeps): Promise<void> {
  if (deps.platform === 'linux') {
    await setLinuxAutostart(enabled, { env: deps.env, homedir: deps.homedir ?? os.homedir(), executable: deps.env.APPIMAGE ?? deps.executable });
    return;
  }
  deps.app.setLoginItemSettings({ openAtLogin: enabled, args: enabled ? [HIDDEN_ARG] : [] });
}

/** True when this launch came from the login item: start in the tray without a window. */
export function startedHidden(argv: readonly string[], deps: Pick<LoginItemDeps, 'app' | 'platform'>): boolean {
  if (argv.includes(HIDDEN_ARG)) return true;
  return deps.platform === 'darwin' && deps.app.getLoginItemSettings().wasOpenedAtLogin === true;
}

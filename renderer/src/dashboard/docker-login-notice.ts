/**
 * What the dashboard says about a reboot (pure): Docker Desktop's own "start when you sign in"
 * being off (with the button that turns it on), and on Windows that the server stays offline after
 * a restart until someone signs in, since Docker Desktop runs only in a signed-in session
 * (docker/for-win#6670), with how to avoid it.
 */
import type { DockerAutostartInfo } from '../../../electron/shared/contract';

export interface DockerLoginView {
  /** Docker Desktop's setting is known to be off: offer to turn it on */
  autostartOff: boolean;
  /** this is Windows: say what a reboot means */
  windowsReboot: boolean;
}

export function dockerLoginNotice(platform: string | undefined, autostart: DockerAutostartInfo | null): DockerLoginView {
  return { autostartOff: autostart !== null && autostart.enabled === false, windowsReboot: platform === 'win32' };
}

/** Where the dismissal of the Windows notice is kept (this browser profile). */
export const WINDOWS_NOTICE_KEY = 'engawa.windowsRebootNotice.dismissed';

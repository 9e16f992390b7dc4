/**
 * Launch at login on Linux: an XDG autostart entry, `$XDG_CONFIG_HOME/autostart/engawa.desktop`
 * (default `~/.config/autostart`). macOS and Windows use Electron's login items instead
 * (electron/adapters/login-item.ts). Plain Node, so it is tested with a temporary HOME.
 * @see https://specifications.freedesktop.org/autostart-spec/latest/
 */
import { mkdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isMissing, writeFileAtomic } from '../util/atomic';

/** The argument Engawa is started with at login: start in the tray, without a window. */
export const HIDDEN_ARG = '--hidden';

/** Where the autostart entry lives. */
export function autostartFile(env: Record<string, string | undefined>, homedir: string): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(homedir, '.config');
  return path.posix.join(base, 'autostart', 'engawa.desktop');
}

/** Quotes one argument of an Exec line as the Desktop Entry spec requires. */
function quoteArg(arg: string): string {
  if (!/[\s"'\\`$<>~|&;*?#()]/.test(arg) && arg !== '') return arg.replace(/%/g, '%%');
  return `"${arg.replace(/[\\"`$]/g, (c) => `\\${c}`).replace(/%/g, '%%')}"`;
}

/** The .desktop file that starts `command` (program and arguments) at login. */
export function desktopEntry(command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Engawa',
    'Comment=Keeps your own social server running',
    `Exec=${command.map(quoteArg).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export interface AutostartTarget {
  env: Record<string, string | undefined>;
  homedir: string;
  /** the program to start: the AppImage ($APPIMAGE) when run from one, else the executable */
  executable: string;
}

/** Writes or removes the autostart entry. */
export async function setLinuxAutostart(enabled: boolean, target: AutostartTarget): Promise<void> {
  const file = autostartFile(target.env, target.homedir);
  if (!enabled) {
    await unlink(file).catch((e: unknown) => {
      if (!isMissing(e)) throw e;
    });
    return;
  }
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, desktopEntry([target.executable, HIDDEN_ARG]), { mode: 0o644 });
}

/** True when our autostart entry exists. */
export async function linuxAutostartEnabled(target: Pick<AutostartTarget, 'env' | 'homedir'>): Promise<boolean> {
  try {
    await readFile(autostartFile(target.env, target.homedir), 'utf8');
    return true;
  } catch (e) {
    if (isMissing(e)) return false;
    throw e;
  }
}

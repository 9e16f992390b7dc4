/**
 * Where Engawa keeps its files on this computer, and the layout inside:
 *   <home>/instances/<name>.json   non-secret instance records
 *   <home>/secrets/<name>.json     secrets of the CLI's file store (0600, dir 0700)
 *   <home>/locks/<name>.lock       per-instance operation locks
 */
import os from 'node:os';
import path from 'node:path';
import { EngawaError } from '../util/errors';

/**
 * The Engawa data directory: `ENGAWA_HOME` when set; otherwise the platform's usual place for
 * application data (macOS `~/Library/Application Support/Engawa`, Windows `%APPDATA%\Engawa`,
 * Linux `$XDG_DATA_HOME/engawa` or `~/.local/share/engawa`).
 */
export function engawaHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, homedir: string = os.homedir()): string {
  if (env.ENGAWA_HOME) return path.resolve(env.ENGAWA_HOME);
  if (platform === 'darwin') return path.posix.join(homedir, 'Library', 'Application Support', 'Engawa');
  if (platform === 'win32') {
    return path.win32.join(env.APPDATA || path.win32.join(homedir, 'AppData', 'Roaming'), 'Engawa');
  }
  const xdg = env.XDG_DATA_HOME;
  // the XDG spec says a relative value is invalid and must be ignored
  const base = xdg && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(homedir, '.local', 'share');
  return path.posix.join(base, 'engawa');
}

/** Guards file names built from instance names (validation proper happens in stacks/validate). */
function safe(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(name)) {
    throw new EngawaError('INVALID_INPUT', `"${name}" is not a valid instance name.`, { name });
  }
  return name;
}

export const instancesDir = (home: string): string => path.join(home, 'instances');
export const secretsDir = (home: string): string => path.join(home, 'secrets');
export const locksDir = (home: string): string => path.join(home, 'locks');

export const instanceFile = (home: string, name: string): string => path.join(instancesDir(home), `${safe(name)}.json`);
export const secretFile = (home: string, name: string): string => path.join(secretsDir(home), `${safe(name)}.json`);
export const lockFile = (home: string, name: string): string => path.join(locksDir(home), `${safe(name)}.lock`);

/**
 * Docker Desktop's own "Start Docker Desktop when you sign in to your computer" setting, read from
 * and written to Docker Desktop's settings file, so Engawa can say when it is off and turn it on.
 * Docker Desktop does not start before someone signs in (docker/for-win#6670), so without this a
 * home server stays offline after every reboot until Docker is started by hand.
 *
 * Where the file is (Docker's docs, desktop/settings.md, docker/docs PR #21003):
 * - macOS: ~/Library/Group Containers/group.com.docker/settings-store.json
 * - Windows: %APPDATA%\Docker\settings-store.json (C:\Users\NAME\AppData\Roaming\Docker)
 * - Linux: ~/.docker/desktop/settings-store.json
 * and `settings.json` in the same folder for Docker Desktop 4.34 and earlier. The newer file wins
 * when both exist (an old one may stay behind after Docker Desktop migrated it).
 *
 * The key: `autoStart` (a boolean) in `settings.json` — seen in settings files users posted
 * (docker/for-win#12820, #13040). In `settings-store.json` Docker did not document its keys
 * (docker/docs#23706); its keys are the Go field names (`AutoStart`, as Docker Desktop's own logs
 * print its settings, for-win#11847), which Engawa could not confirm from a real settings-store.json.
 * So whichever of the two spellings the file holds is the one read and written; only a file that
 * has neither gets the spelling its name suggests.
 *
 * A write changes only that key, keeps every other key and its order, and replaces the file
 * atomically; a file that is missing, not JSON, or holds something else than a boolean there is
 * refused and left as it was. Whether a running Docker Desktop sees the change before its next
 * start, or writes its own copy back over it, Engawa cannot know: the dashboard says to check the
 * setting in Docker Desktop.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DockerAutostartInfo } from '../../shared/contract';
import { writeFileAtomic } from '../util/atomic';
import { EngawaError } from '../util/errors';

/** The two spellings of the key; the first is the one `settings.json` uses. */
const KEYS = ['autoStart', 'AutoStart'] as const;
type Key = (typeof KEYS)[number];

/** What locates the settings file on a machine (the real one or a test's). */
export interface DockerDesktopPlace {
  platform: NodeJS.Platform;
  home: string;
  env: Record<string, string | undefined>;
}

/** Docker Desktop's settings files on this OS, the newer name first; empty where there is no Docker Desktop. */
export function dockerDesktopSettingsFiles(p: DockerDesktopPlace): string[] {
  const dir =
    p.platform === 'darwin'
      ? path.posix.join(p.home, 'Library', 'Group Containers', 'group.com.docker')
      : p.platform === 'win32'
        ? path.win32.join(p.env.APPDATA || path.win32.join(p.home, 'AppData', 'Roaming'), 'Docker')
        : p.platform === 'linux'
          ? path.posix.join(p.home, '.docker', 'desktop')
          : null;
  if (dir === null) return [];
  const join = p.platform === 'win32' ? path.win32.join : path.posix.join;
  return [join(dir, 'settings-store.json'), join(dir, 'settings.json')];
}

/** A settings file as read: its JSON object and the key in use. */
interface Parsed {
  file: string;
  settings: Record<string, unknown>;
  key: Key;
  present: boolean;
  mode: number;
}

type Found = { kind: 'ok'; parsed: Parsed } | { kind: 'no-file' } | { kind: 'unreadable'; file: string; why: string };

async function find(p: DockerDesktopPlace): Promise<Found> {
  for (const file of dockerDesktopSettingsFiles(p)) {
    let text: string;
    let mode: number;
    try {
      text = await readFile(file, 'utf8');
      mode = (await stat(file)).mode & 0o777;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      return { kind: 'unreadable', file, why: (e as Error).message };
    }
    let settings: unknown;
    try {
      settings = JSON.parse(text);
    } catch {
      return { kind: 'unreadable', file, why: 'it is not valid JSON' };
    }
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) return { kind: 'unreadable', file, why: 'it holds no settings object' };
    const obj = settings as Record<string, unknown>;
    const key = KEYS.find((k) => k in obj) ?? (path.basename(file) === 'settings.json' ? 'autoStart' : 'AutoStart');
    if (key in obj && typeof obj[key] !== 'boolean') return { kind: 'unreadable', file, why: `its "${key}" is not true or false` };
    return { kind: 'ok', parsed: { file, settings: obj, key, present: key in obj, mode } };
  }
  return { kind: 'no-file' };
}

/** Reads the setting; never throws (what cannot be known is said in `reason`). */
export async function readDockerAutostart(p: DockerDesktopPlace): Promise<DockerAutostartInfo> {
  const found = await find(p);
  if (found.kind === 'no-file') return { enabled: null, file: null, reason: 'no-file' };
  if (found.kind === 'unreadable') return { enabled: null, file: found.file, reason: 'unreadable' };
  const { parsed } = found;
  return parsed.present ? { enabled: parsed.settings[parsed.key] === true, file: parsed.file } : { enabled: null, file: parsed.file, reason: 'no-key' };
}

/** Turns the setting on or off, changing only its key; STATE (and the file untouched) when the file is missing or unreadable. */
export async function writeDockerAutostart(p: DockerDesktopPlace, enabled: boolean): Promise<DockerAutostartInfo> {
  const found = await find(p);
  if (found.kind === 'no-file') {
    throw new EngawaError(
      'STATE',
      "Docker Desktop's settings file was not found on this computer: start Docker Desktop once, or turn on “Start Docker Desktop when you sign in” in its Settings (General).",
      { reason: 'no-file', files: dockerDesktopSettingsFiles(p) },
    );
  }
  if (found.kind === 'unreadable') {
    throw new EngawaError(
      'STATE',
      `Docker Desktop's settings file ${found.file} cannot be read (${found.why}); Engawa left it as it was. Turn on “Start Docker Desktop when you sign in” in Docker Desktop's Settings (General).`,
      { reason: 'unreadable', file: found.file },
    );
  }
  const { parsed } = found;
  if (parsed.present && parsed.settings[parsed.key] === enabled) return { enabled, file: parsed.file };
  const next = { ...parsed.settings, [parsed.key]: enabled };
  await writeFileAtomic(parsed.file, `${JSON.stringify(next, null, 2)}\n`, { mode: parsed.mode });
  return { enabled, file: parsed.file };
}

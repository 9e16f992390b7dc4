/**
 * The disk guard: PostgreSQL on a full disk stops and can damage what it was writing, and a home
 * server's disk fills quietly (another server's media cached without limit). So it measures free
 * space where Docker keeps its data (from inside the engine: engine/vm-disk.ts) and where backups
 * go (this computer: disk-places.ts), on a slow timer (every 10 min; every minute only while
 * Docker's disk is critical or Docker is away), after a wake and when asked (`system.disk`).
 * - below the warning level it says so (`disk-warning`; the app offers a clean-up);
 * - Docker's disk below the critical level: it runs each running server's clean-up (its caches,
 *   the stack's own tools: maintenance.ts), measures again and, if still critical, stops the running
 *   servers cleanly (`disk-stop`; the instance manager's stop: containers only, every volume kept),
 *   remembering them in `<home>/disk-guard.json`; once free space is back above the warning level
 *   it starts them again (`disk-start`), also after Engawa itself restarted;
 * - the backup folder's disk is only warned about.
 * It deletes nothing itself. While Docker cannot be reached it waits and says so once. Only a
 * started guard acts (the process holding the watch lock); `check` of one not started only measures.
 */
import type { DiskLevel, DiskPlaceInfo, DiskStatusInfo, DiskThresholds } from '../../shared/contract';
import type { EngineApi } from '../engine/types';
import type { DiskSpace } from '../engine/vm-disk';
import type { InstanceManager } from '../instances';
import { formatBytes } from '../util/format';
import { isEngawaError, toEngawaError } from '../util/errors';
import { diskLevel, warnLevelBytes, worstLevel } from './disk-levels';
import { measureFolders, readStoppedByGuard, writeStoppedByGuard } from './disk-places';
import { whyNotWatched } from './probe';
import type { CleanUpResult } from './maintenance';
import type { WatchAction, WatchActionKind } from './types';

export const DISK_PERIOD_MS = 10 * 60_000;
/** How often it measures while Docker's disk is critical or Docker cannot be reached. */
export const DISK_FAST_MS = 60_000;

export interface DiskGuardDeps {
  home: string;
  manager: Pick<InstanceManager, 'list' | 'find'>;
  engine: () => Promise<EngineApi>;
  /** the levels now (from the settings) */
  thresholds: () => DiskThresholds;
  /** the backup folders (the default one and every schedule's) */
  backupFolders: () => Promise<string[]>;
  /**
   * runs a server's clean-up tasks now (maintenance.ts, as an operation); without it the guard goes
   * straight on. When it answers `{ ran: [] }` the server had nothing to clean (no action is told).
   */
  cleanUp?: (name: string, reason: string) => Promise<Pick<CleanUpResult, 'ran'>>;
  /** stops a server cleanly (the instance manager's stop, as an operation the UI can follow) */
  stopServer: (name: string, reason: string) => Promise<void>;
  startServer: (name: string, reason: string) => Promise<void>;
  log: (line: string) => void;
  onAction?: (action: WatchAction) => void;
  /** a place's level changed, or the servers it stopped changed */
  onChange?: (status: DiskStatusInfo) => void;
  /** tests: this computer's folders measured otherwise */
  measureFolders?: (dirs: readonly string[]) => Promise<Array<DiskSpace & { path: string }>>;
  periodMs?: number;
  fastMs?: number;
  /** the first measurement after `start` (default 5 s) */
  firstCheckMs?: number;
}

export interface DiskGuard {
  /** reads the servers it stopped before and arms the timer: from now on it acts */
  start(): void;
  /** cancels the timer; resolves once a check in progress has finished */
  stop(): Promise<void>;
  /** measures now (and acts when started); a check asked for while one runs joins it. Null when nothing could be measured */
  check(reason: string): Promise<DiskStatusInfo | null>;
  /** the last measurement (undefined before the first) */
  last(): DiskStatusInfo | undefined;
}

const key = (p: Pick<DiskPlaceInfo, 'place' | 'path'>): string => `${p.place}:${p.path ?? ''}`;
const RANK: Record<DiskLevel, number> = { ok: 0, warning: 1, critical: 2 };

export function createDiskGuard(deps: DiskGuardDeps): DiskGuard {
  const period = deps.periodMs ?? DISK_PERIOD_MS;
  const fast = Math.min(period, deps.fastMs ?? DISK_FAST_MS);
  const levels = new Map<string, DiskLevel>();
  let stopped: string[] = [];
  let loaded: Promise<void> | undefined;
  let last: DiskStatusInfo | undefined;
  let told = '';
  let running = false;
  let saidDown = false;
  let saidNoHelper = false;
  let checking: Promise<DiskStatusInfo | null> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const act = (instance: string | null, kind: WatchActionKind, reason: string): void => {
    deps.log(`disk guard: ${kind}${instance === null ? '' : ` ${instance}`}: ${reason}`);
    try {
      deps.onAction?.({ instance, service: null, kind, reason, at: new Date().toISOString() });
    } catch (e) {
      deps.log(`disk guard: an action listener failed: ${(e as Error).message}`);
    }
  };

  const load = (): Promise<void> =>
    (loaded ??= readStoppedByGuard(deps.home, (why) => deps.log(`disk guard: ignoring a damaged disk-guard.json: ${why}`)).then((names) => {
      stopped = names;
      if (names.length > 0 && running) deps.log(`disk guard: it stopped ${names.join(', ')} earlier; starting them again once space is back`);
    }));

  const persist = async (next: string[]): Promise<void> => {
    stopped = next;
    await writeStoppedByGuard(deps.home, next);
  };

  /** Docker's disk; 'down' when Docker does not answer, undefined when the helper cannot run. */
  const measureDocker = async (): Promise<DiskSpace | 'down' | undefined> => {
    try {
      const engine = await deps.engine();
      if (engine.readDisk === undefined) return undefined;
      const space = await engine.readDisk();
      if (saidDown) deps.log('disk guard: Docker answers again; measuring its disk');
      saidDown = false;
      if (space === undefined && !saidNoHelper) deps.log("disk guard: the helper container cannot run here; Docker's disk is not measured");
      saidNoHelper = space === undefined;
      return space;
    } catch (e) {
      const err = toEngawaError(e);
      if (err.code !== 'ENGINE_UNREACHABLE') {
        deps.log(`disk guard: cannot measure Docker's disk: ${err.message}`);
        return undefined;
      }
      if (!saidDown) deps.log(`disk guard: Docker cannot be reached (${err.message}); waiting for it, nothing is done meanwhile`);
      saidDown = true;
      return 'down';
    }
  };

  const describe = (p: DiskPlaceInfo, t: DiskThresholds): string =>
    `${p.place === 'docker' ? "Docker's disk" : `the backup folder's disk (${p.path ?? ''})`} has ${formatBytes(p.freeBytes)} free of ${formatBytes(p.totalBytes)}` +
    ` (warning below ${formatBytes(warnLevelBytes(p.totalBytes, t))}, critical below ${formatBytes(t.criticalBytes)})`;

  /** The servers running on purpose now (the ones the guard may clean and stop). */
  const runningServers = async (): Promise<string[]> => (await deps.manager.list()).filter((r) => whyNotWatched(r) === null).map((r) => r.name);

  /** Docker's disk is critical: clean-up, measure again, stop what still runs. Answers the place as it ends. */
  const protect = async (place: DiskPlaceInfo, t: DiskThresholds, entered: boolean): Promise<DiskPlaceInfo> => {
    let now = place;
    const servers = await runningServers();
    if (servers.length > 0 && deps.cleanUp) {
      for (const name of servers) {
        try {
          const result = await deps.cleanUp(name, 'the disk is almost full');
          if (result.ran.length === 0) deps.log(`disk guard: ${name} has no clean-up tasks`);
          else act(name, 'disk-clean', `${describe(now, t)}: ran the server's clean-up to make room`);
        } catch (e) {
          deps.log(`disk guard: the clean-up of ${name} failed: ${toEngawaError(e).message}`);
        }
      }
      const again = await measureDocker();
      if (again !== undefined && again !== 'down') now = { ...now, ...again, level: diskLevel(again.freeBytes, again.totalBytes, t, 'critical') };
      if (now.level !== 'critical') {
        deps.log(`disk guard: the clean-up made room: ${describe(now, t)}`);
        return now;
      }
    }
    const still = await runningServers();
    if (entered || still.length > 0) {
      const what = still.length > 0 ? `stopping ${still.join(', ')} cleanly before the database hits a full disk` : 'no server is running';
      act(null, 'disk-critical', `${describe(now, t)}${servers.length > 0 && deps.cleanUp ? ' after the clean-up' : ''}: ${what}`);
    }
    for (const name of still) {
      await persist([...new Set([...stopped, name])]); // remembered first: an Engawa killed midway still starts it again
      try {
        await deps.stopServer(name, 'the disk is almost full');
        act(
          name,
          'disk-stop',
          `stopped cleanly to protect its database: only ${formatBytes(now.freeBytes)} free on Docker's disk (critical below ${formatBytes(t.criticalBytes)}). ` +
            `Its data is kept; it starts again once more than ${formatBytes(warnLevelBytes(now.totalBytes, t))} is free.`,
        );
      } catch (e) {
        await persist(stopped.filter((n) => n !== name));
        deps.log(`disk guard: cannot stop ${name}: ${toEngawaError(e).message}`);
      }
    }
    return now;
  };

  /** Space is back: starts what the guard stopped (not what a person started, stopped or removed since). */
  const startAgain = async (place: DiskPlaceInfo, t: DiskThresholds): Promise<void> => {
    for (const name of [...stopped]) {
      const record = await deps.manager.find(name);
      let keep = false;
      if (record === undefined || record.state !== 'stopped' || record.pending !== undefined) {
        deps.log(`disk guard: not starting ${name} again: ${record === undefined ? 'it no longer exists' : `it is ${record.pending ?? record.state} now`}`);
      } else {
        try {
          await deps.startServer(name, 'space is back');
          act(name, 'disk-start', `started again: ${describe(place, t)}`);
        } catch (e) {
          keep = isEngawaError(e, 'BUSY'); // another operation: the next check tries again
          deps.log(`disk guard: cannot start ${name} again${keep ? ' yet' : '; start it yourself'}: ${toEngawaError(e).message}`);
        }
      }
      if (!keep) await persist(stopped.filter((n) => n !== name));
    }
  };

  /** A place's new level, saying when it got worse. */
  const judge = (p: DiskSpace & Pick<DiskPlaceInfo, 'place' | 'path'>, t: DiskThresholds): { place: DiskPlaceInfo; entered: DiskLevel | null } => {
    const before = levels.get(key(p)) ?? 'ok';
    const place: DiskPlaceInfo = {
      place: p.place,
      path: p.path,
      freeBytes: p.freeBytes,
      totalBytes: p.totalBytes,
      level: diskLevel(p.freeBytes, p.totalBytes, t, before),
    };
    if (RANK[place.level] < RANK[before])
      deps.log(`disk guard: ${place.level === 'ok' ? 'enough space again' : 'above the critical level again'}: ${describe(place, t)}`);
    return { place, entered: RANK[place.level] > RANK[before] ? place.level : null };
  };

  const run = async (reason: string): Promise<DiskStatusInfo | null> => {
    if (!running) loaded = undefined; // measuring only: the acting process may have changed the file
    await load();
    const t = deps.thresholds();
    const docker = await measureDocker();
    const folders = await (deps.measureFolders ?? measureFolders)(await deps.backupFolders()).catch((e: unknown) => {
      deps.log(`disk guard: cannot measure the backup folder: ${toEngawaError(e).message}`);
      return [];
    });
    const places: DiskPlaceInfo[] = [];
    if (docker !== undefined && docker !== 'down') {
      const { place, entered } = judge({ place: 'docker', path: null, ...docker }, t);
      let now = place;
      if (running && entered === 'warning') act(null, 'disk-warning', `${describe(place, t)}: a clean-up of the servers' caches makes room`);
      if (running && place.level === 'critical') now = await protect(place, t, entered === 'critical');
      if (running && now.level === 'ok' && stopped.length > 0) await startAgain(now, t);
      places.push(now);
    } else if (docker === 'down') {
      const kept = last?.places.find((p) => p.place === 'docker');
      if (kept) places.push(kept); // the last known: nothing is judged while Docker is away
    }
    for (const f of folders) {
      const { place, entered } = judge({ place: 'backups', ...f }, t);
      if (running && entered !== null) {
        act(null, entered === 'warning' ? 'disk-warning' : 'disk-critical', `${describe(place, t)}: backups may fail; make room or choose another folder`);
      }
      places.push(place);
    }
    if (places.length === 0) return last ?? null;
    if (docker !== 'down') levels.clear();
    for (const p of places) levels.set(key(p), p.level);
    const status: DiskStatusInfo = {
      level: worstLevel(places.map((p) => p.level)),
      places,
      checkedAt: new Date().toISOString(),
      thresholds: { ...t },
      stoppedByGuard: [...stopped],
    };
    last = status;
    const summary = JSON.stringify([places.map((p) => [key(p), p.level]), stopped]);
    if (summary !== told) {
      told = summary;
      if (reason !== '') deps.log(`disk guard: ${status.level} (${reason})`);
      deps.onChange?.(copy(status));
    }
    return copy(status);
  };

  const arm = (delay: number): void => {
    if (!running) return;
    timer = setTimeout(() => {
      timer = undefined;
      check('the periodic check').then(
        (s) => arm(saidDown || s?.places.find((p) => p.place === 'docker')?.level === 'critical' ? fast : period),
        () => arm(period), // never: check logs its failures
      );
    }, delay);
    timer.unref?.();
  };

  const check = (reason: string): Promise<DiskStatusInfo | null> =>
    (checking ??= run(reason)
      .catch((e: unknown) => {
        deps.log(`disk guard: the check failed: ${toEngawaError(e).message}`);
        return last ? copy(last) : null;
      })
      .finally(() => {
        checking = undefined;
      }));

  return {
    start() {
      if (running) return;
      running = true;
      deps.log('disk guard: watching the free space of Docker and the backup folder');
      arm(deps.firstCheckMs ?? 5_000);
    },
    async stop() {
      running = false;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await checking;
    },
    check,
    last: () => (last ? copy(last) : undefined),
  };
}

function copy(s: DiskStatusInfo): DiskStatusInfo {
  return { ...s, places: s.places.map((p) => ({ ...p })), thresholds: { ...s.thresholds }, stoppedByGuard: [...s.stoppedByGuard] };
}

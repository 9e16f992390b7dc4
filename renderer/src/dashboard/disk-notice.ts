/**
 * What the dashboard says about free disk space (pure), from the disk guard's status (`system.disk`,
 * `disk.changed`) and its actions (`watch.action`): nothing while every place is fine and the
 * guard has nothing to report; otherwise which place is low and how much is free, and what Engawa
 * did — cleaned a server's caches, stopped servers to protect their databases, started them again
 * once space was back. The clean-up button is offered while Docker's disk is low.
 */
import type { DiskPlaceInfo, DiskStatusInfo, WatchActionInfo } from '../../../electron/shared/contract';

/** The guard's actions the notice tells of. */
export type DiskDeed = Pick<WatchActionInfo, 'kind' | 'instance' | 'at'>;

export interface DiskNoticeView {
  /** 'error': a place is critical; 'warn': low; 'ok': space is back and servers were started again */
  tone: 'error' | 'warn' | 'ok';
  /** i18n key of the title */
  title: 'diskGuard.titleCritical' | 'diskGuard.titleWarning' | 'diskGuard.titleBack';
  /** the places that are low, Docker's first */
  places: Array<Pick<DiskPlaceInfo, 'place' | 'path' | 'freeBytes' | 'totalBytes' | 'level'>>;
  /** what Engawa did, as i18n keys with the servers' names */
  did: Array<{ key: 'diskGuard.didClean' | 'diskGuard.didStop' | 'diskGuard.didStart'; names: string[] }>;
  /** Docker's disk is low: offer a clean-up of the servers' caches */
  offerClean: boolean;
}

const names = (deeds: readonly DiskDeed[], kind: DiskDeed['kind']): string[] => [
  ...new Set(deeds.filter((d) => d.kind === kind && d.instance !== null).map((d) => d.instance as string)),
];

/**
 * The view, or null when there is nothing to say. `deeds` are the guard's actions seen since the
 * page opened; only those after the last time every place was fine count for the clean-ups.
 */
export function diskNotice(status: DiskStatusInfo | null, deeds: readonly DiskDeed[]): DiskNoticeView | null {
  if (status === null) return null;
  const low = status.places.filter((p) => p.level !== 'ok').sort((a, b) => (a.place === b.place ? 0 : a.place === 'docker' ? -1 : 1));
  const started = names(deeds, 'disk-start').filter((n) => !status.stoppedByGuard.includes(n));
  if (low.length === 0 && status.stoppedByGuard.length === 0) {
    return started.length === 0
      ? null
      : { tone: 'ok', title: 'diskGuard.titleBack', places: [], did: [{ key: 'diskGuard.didStart', names: started }], offerClean: false };
  }
  const did: DiskNoticeView['did'] = [];
  const cleaned = names(deeds, 'disk-clean');
  if (cleaned.length > 0) did.push({ key: 'diskGuard.didClean', names: cleaned });
  if (status.stoppedByGuard.length > 0) did.push({ key: 'diskGuard.didStop', names: [...status.stoppedByGuard] });
  const critical = low.some((p) => p.level === 'critical') || status.stoppedByGuard.length > 0;
  return {
    tone: critical ? 'error' : 'warn',
    title: critical ? 'diskGuard.titleCritical' : 'diskGuard.titleWarning',
    places: low.map((p) => ({ place: p.place, path: p.path, freeBytes: p.freeBytes, totalBytes: p.totalBytes, level: p.level })),
    did,
    offerClean: low.some((p) => p.place === 'docker'),
  };
}

/** The guard's action kinds the notice keeps. */
export const DISK_DEED_KINDS: ReadonlySet<WatchActionInfo['kind']> = new Set(['disk-clean', 'disk-stop', 'disk-start']);

/**
 * The rules of a server's update card, as pure functions (unit-tested): what the card offers (an
 * update, the end of an interrupted one, nothing: up to date), the release notes it links to, how a
 * downtime reads, what a rollback would lose, and what a failed update that went back by itself
 * (ROLLED_BACK) says: its releases, the service that failed and that service's last log lines.
 */
import type { ApiError, InstanceState, InstanceUpdateInfo, RollbackPreviewInfo } from '../../../electron/shared/contract';

/** The shortest passphrase a new backup accepts (backup/passphrase.ts): an update makes one. */
export const MIN_UPDATE_PASSPHRASE = 12;

/** What the card offers. */
export type UpdateOffer =
  | { kind: 'unknown'; error: ApiError }
  | { kind: 'unfinished'; to: string }
  | { kind: 'available'; from: string; to: string; security: boolean }
  /** `newest`: a newer release exists that this server cannot update to from its own */
  | { kind: 'upToDate'; current: string; newest?: string };

export function updateOffer(info: InstanceUpdateInfo): UpdateOffer {
  if (info.error) return { kind: 'unknown', error: info.error };
  if (info.unfinished) return { kind: 'unfinished', to: info.unfinished.to };
  if (info.target !== undefined) return { kind: 'available', from: info.current, to: info.target, security: info.security };
  return { kind: 'upToDate', current: info.current, ...(info.newest !== info.current && { newest: info.newest }) };
}

/** The release notes on the way, newest last: https links only (they open in the user's browser). */
export function releaseNotes(info: InstanceUpdateInfo): { version: string; url: string }[] {
  return info.steps.flatMap((s) => (s.notesUrl !== undefined && isHttps(s.notesUrl) ? [{ version: s.to, url: s.notesUrl }] : []));
}

function isHttps(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}

/** The storage whose data moves to a new format on the way (a longer downtime). */
export function dataMovesOf(info: InstanceUpdateInfo): string[] {
  return [...new Set(info.steps.flatMap((s) => s.dataMoves))];
}

/** A duration for people: under 90 seconds in seconds (at least 1), else in minutes. */
export function durationOf(seconds: number): { key: 'serverUpdate.seconds' | 'serverUpdate.minutes'; n: number } {
  const s = Math.max(0, seconds);
  if (s < 90) return { key: 'serverUpdate.seconds', n: Math.max(1, Math.round(s)) };
  return { key: 'serverUpdate.minutes', n: Math.round(s / 60) };
}

/** Whether the Update (or Finish) button may be pressed, and why not. */
export function updateBlocked(
  offer: UpdateOffer,
  state: InstanceState,
  passphraseKept: boolean,
  passphrase: string,
  busy: boolean,
): 'busy' | 'notRunning' | 'passphrase' | 'nothing' | null {
  if (busy) return 'busy';
  if (offer.kind !== 'available' && offer.kind !== 'unfinished') return 'nothing';
  // an update checks the server works before it changes anything (the core refuses otherwise)
  if (offer.kind === 'available' && state !== 'running') return 'notRunning';
  if (!passphraseKept && passphrase.length < MIN_UPDATE_PASSPHRASE) return 'passphrase';
  return null;
}

/** The rows a rollback would lose, by table: those added since the backup, and those that could not be measured. */
export function lostRows(preview: RollbackPreviewInfo): { table: string; added: number | null }[] {
  return preview.since.flatMap((s): { table: string; added: number | null }[] => {
    if (s.now < 0) return [{ table: s.table, added: null }];
    return s.now > s.then ? [{ table: s.table, added: s.now - s.then }] : [];
  });
}

/** A failed update that went back by itself (ROLLED_BACK), from its details; null for any other error. */
export function rolledBack(error: ApiError): { from: string; to: string; service?: string; lines: string[]; logFile?: string } | null {
  if (error.code !== 'ROLLED_BACK') return null;
  const d = error.details ?? {};
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const from = text(d.from);
  const to = text(d.to);
  if (from === undefined || to === undefined) return null;
  const service = text(d.service);
  const logFile = text(d.logFile);
  const lines = Array.isArray(d.lastLogLines) ? d.lastLogLines.map(String) : [];
  return { from, to, lines, ...(service !== undefined && { service }), ...(logFile !== undefined && { logFile }) };
}

/** True when the core asks for the backup passphrase (none given, none kept). */
export function passphraseNeeded(error: ApiError): boolean {
  return error.code === 'INVALID_INPUT' && error.details?.reason === 'passphrase-needed';
}

/** The hour offered for automatic security updates until the user picks one. */
export const DEFAULT_AUTO_AT = '04:00';

/** Whether the update policy may be saved, and why not: a valid hour, and a passphrase when none is kept. */
export function policyBlocked(mode: 'notify' | 'auto-security', at: string, passphraseKept: boolean, passphrase: string): 'at' | 'passphrase' | null {
  if (mode === 'notify') return null;
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(at)) return 'at';
  if (!passphraseKept && passphrase.length < MIN_UPDATE_PASSPHRASE) return 'passphrase';
  return null;
}

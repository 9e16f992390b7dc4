/**
 * Uptime you can see: each instance's state changes are kept in a small append-only JSON-lines log,
 * `<home>/history/<name>.jsonl`, one record a line: `{ at, state, source, reason? }`. Besides the
 * states (told by Engawa's own operations, by Docker's events, or acted on by the watchdog) two
 * marks tell when Engawa itself was watching: a `heartbeat` now and then (a slow timer, see
 * HEARTBEAT_MS) and `closed` when it stops. A stretch between two records longer than
 * GAP_GRACE_MS, or after a `closed`, is "unknown": the computer slept or Engawa was not running.
 *
 * The log is trimmed to about KEEP_DAYS days (keeping the last record before the cut, which tells
 * the state at the window's start) and at most MAX_RECORDS records, by an atomic rewrite; a torn
 * last line (a crash while appending) is skipped when read and dropped by the next trim.
 * `uptimeOf` turns records into the segments of the last days and their sums; pure.
 */
import { appendFile, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { InstanceState } from '../../shared/contract';
import { isMissing, writeFileAtomic } from '../util/atomic';

export const HISTORY_DIR = 'history';
/** A heartbeat of each watched instance this often (a slow timer). */
export const HEARTBEAT_MS = 10 * 60 * 1000;
/** A silence longer than this between two records: Engawa was not watching (asleep, not running). */
export const GAP_GRACE_MS = 2 * HEARTBEAT_MS + 60 * 1000;
export const KEEP_DAYS = 8;
export const MAX_RECORDS = 5000;
const DAY_MS = 24 * 60 * 60 * 1000;

export type HistorySource = 'engawa' | 'docker' | 'watchdog';
/** An instance's state, or a mark: Engawa was watching then (`heartbeat`), Engawa stopped (`closed`). */
export type HistoryState = InstanceState | 'heartbeat' | 'closed';

export interface HistoryRecord {
  /** ISO time */
  at: string;
  state: HistoryState;
  source: HistorySource;
  reason?: string;
}

export type UptimeKind = 'up' | 'starting' | 'down' | 'unknown';

export interface UptimeSegment {
  /** ms since the epoch */
  from: number;
  to: number;
  kind: UptimeKind;
}

export interface Uptime {
  segments: UptimeSegment[];
  upMs: number;
  startingMs: number;
  downMs: number;
  unknownMs: number;
  /** ISO time the server has been up since without a break, when it is up now */
  upSince?: string;
}

export function historyFile(home: string, name: string): string {
  return path.join(home, HISTORY_DIR, `${name}.jsonl`);
}

const STATES: ReadonlySet<string> = new Set<HistoryState>([
  'creating',
  'starting',
  'running',
  'degraded',
  'stopping',
  'stopped',
  'error',
  'destroying',
  'unknown',
  'heartbeat',
  'closed',
]);
const SOURCES: ReadonlySet<string> = new Set<HistorySource>(['engawa', 'docker', 'watchdog']);

function parseLine(line: string): HistoryRecord | undefined {
  try {
    const r = JSON.parse(line) as Partial<HistoryRecord> | null;
    if (r === null || typeof r !== 'object') return undefined;
    if (typeof r.at !== 'string' || Number.isNaN(Date.parse(r.at))) return undefined;
    if (typeof r.state !== 'string' || !STATES.has(r.state) || typeof r.source !== 'string' || !SOURCES.has(r.source)) return undefined;
    return { at: r.at, state: r.state, source: r.source, ...(typeof r.reason === 'string' && { reason: r.reason }) };
  } catch {
    return undefined; // a torn or damaged line
  }
}

/** The records of `name`, oldest first; none when there is no log; damaged lines are skipped. */
export async function readHistory(home: string, name: string): Promise<HistoryRecord[]> {
  let text: string;
  try {
    text = await readFile(historyFile(home, name), 'utf8');
  } catch (e) {
    if (isMissing(e)) return [];
    throw e;
  }
  const records = text.split('\n').flatMap((line) => {
    const r = line.trim() === '' ? undefined : parseLine(line);
    return r === undefined ? [] : [r];
  });
  return records.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** Appends one record (the directory is made when missing). */
export async function appendHistory(home: string, name: string, record: HistoryRecord): Promise<void> {
  const file = historyFile(home, name);
  await mkdir(path.dirname(file), { recursive: true });
  await appendFile(file, `${JSON.stringify(record)}\n`, 'utf8');
}

/**
 * Rewrites the log atomically with the records of the last `keepDays` days (and the one before
 * them, which tells the state at the cut), at most `maxRecords`; damaged lines go. Returns how many were kept.
 */
export async function trimHistory(home: string, name: string, now: number, opts: { keepDays?: number; maxRecords?: number } = {}): Promise<number> {
  const records = await readHistory(home, name);
  if (records.length === 0) return 0;
  const cut = now - (opts.keepDays ?? KEEP_DAYS) * DAY_MS;
  let first = records.findIndex((r) => Date.parse(r.at) >= cut);
  if (first === -1) first = records.length;
  const before = [...records.slice(0, first)].reverse().find((r) => r.state !== 'heartbeat');
  let kept = [...(before ? [before] : []), ...records.slice(first)];
  const max = opts.maxRecords ?? MAX_RECORDS;
  if (kept.length > max) kept = kept.slice(kept.length - max);
  await writeFileAtomic(historyFile(home, name), kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return kept.length;
}

/** A deleted server's log goes with it. */
export async function forgetHistory(home: string, name: string): Promise<void> {
  await rm(historyFile(home, name), { force: true });
}

/** What a state counts as on the strip. */
export function kindOf(state: InstanceState | undefined): UptimeKind {
  if (state === undefined || state === 'unknown') return 'unknown';
  if (state === 'running') return 'up';
  if (state === 'creating' || state === 'starting') return 'starting';
  return 'down';
}

/**
 * The last `days` days (up to `now`, ms) as segments of one kind each, adjacent ones of a kind
 * merged, with the time of each kind summed. Before the first record, after a `closed`, and over a
 * silence longer than `graceMs` (also up to `now`) the kind is 'unknown'.
 */
export function uptimeOf(records: readonly HistoryRecord[], now: number, days = 7, graceMs = GAP_GRACE_MS): Uptime {
  const from = now - days * DAY_MS;
  const sorted = records.map((r) => ({ ...r, t: Date.parse(r.at) })).filter((r) => !Number.isNaN(r.t) && r.t <= now);
  sorted.sort((a, b) => a.t - b.t);
  const all: UptimeSegment[] = [];
  const push = (a: number, b: number, kind: UptimeKind): void => {
    if (b <= a) return;
    const last = all[all.length - 1];
    if (last !== undefined && last.kind === kind && last.to === a) last.to = b;
    else all.push({ from: a, to: b, kind });
  };
  let state: InstanceState | undefined;
  let watching = false;
  push(Math.min(from, sorted[0]?.t ?? now), sorted[0]?.t ?? now, 'unknown');
  sorted.forEach((r, i) => {
    if (r.state === 'closed') watching = false;
    else {
      watching = true;
      if (r.state !== 'heartbeat') state = r.state;
    }
    const next = sorted[i + 1]?.t ?? now;
    const kind = !watching || next - r.t > graceMs ? 'unknown' : kindOf(state);
    push(r.t, next, kind);
  });
  const last = all[all.length - 1];
  const upSince = last !== undefined && last.kind === 'up' && last.to === now ? new Date(last.from).toISOString() : undefined;
  const segments = all.flatMap((s) => (s.to <= from ? [] : [{ from: Math.max(s.from, from), to: s.to, kind: s.kind }]));
  const sum = (kind: UptimeKind): number => segments.reduce((n, s) => n + (s.kind === kind ? s.to - s.from : 0), 0);
  return {
    segments,
    upMs: sum('up'),
    startingMs: sum('starting'),
    downMs: sum('down'),
    unknownMs: sum('unknown'),
    ...(upSince !== undefined && { upSince }),
  };
}

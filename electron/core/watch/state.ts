/**
 * The restart budget outlives the watchdog: `<home>/watch-state.json` holds each service's recent
 * restart times, so a watchdog that is restarted (the app relaunched, `engawa watch` under systemd
 * after a crash) does not hand a service that keeps failing a fresh set of restarts. Written
 * atomically after each restart, one write at a time; read at start, dropping entries older than
 * the window (or in the future: a clock set back). A damaged file is set aside in the log, never fatal.
 */
import path from 'node:path';
import { isMissing, readJson, writeFileAtomic } from '../util/atomic';
import { toEngawaError } from '../util/errors';

export const watchStateFile = (home: string): string => path.join(home, 'watch-state.json');

interface WatchStateFile {
  version: 1;
  /** restart times (ms since the epoch) by `instance/service`, oldest first */
  restarts: Record<string, number[]>;
}

/** The restarts recorded in `file` within `windowMs` before `now`; empty when there is no file or it is damaged. */
export async function loadRestarts(file: string, windowMs: number, now: number, log: (line: string) => void): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  let data: WatchStateFile;
  try {
    data = await readJson<WatchStateFile>(file);
  } catch (e) {
    if (!isMissing(e)) log(`watchdog: starting with no restart counts: ${toEngawaError(e).message}`);
    return out;
  }
  const restarts = typeof data === 'object' && data !== null && typeof data.restarts === 'object' && data.restarts !== null ? data.restarts : {};
  for (const [key, times] of Object.entries(restarts)) {
    if (!Array.isArray(times)) continue;
    const recent = times.filter((t): t is number => typeof t === 'number' && Number.isFinite(t) && t <= now && now - t < windowMs).sort((a, b) => a - b);
    if (recent.length > 0) out.set(key, recent);
  }
  return out;
}

/** Writes snapshots of the budget to `file`, one at a time, the latest last. */
export class RestartsWriter {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly log: (line: string) => void,
  ) {}

  save(restarts: ReadonlyMap<string, readonly number[]>): Promise<void> {
    const data: WatchStateFile = { version: 1, restarts: Object.fromEntries([...restarts].map(([k, v]) => [k, [...v]])) };
    const text = JSON.stringify(data, null, 2) + '\n';
    this.chain = this.chain.then(() =>
      writeFileAtomic(this.file, text).catch((e: unknown) => this.log(`watchdog: cannot save the restart counts: ${toEngawaError(e).message}`)),
    );
    return this.chain;
  }
}

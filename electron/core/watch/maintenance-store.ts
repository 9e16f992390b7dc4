/**
 * What Engawa keeps of a server's cache clean-up: `<home>/maintenance/<name>.json`, its days
 * setting and how its last run ended, written atomically. Every process of one home shares it (the
 * app sets the days; whichever process holds the watch lock runs the daily clean-up and records
 * it). A file that cannot be read as such (edited by hand) counts as the defaults. Removed when the
 * server is destroyed.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { CleanRunInfo } from '../../shared/contract';
import { cleanDaysProblem, DEFAULT_CLEAN_DAYS } from '../stacks/maintenance';
import { validateInstanceName } from '../stacks/validate';
import { isMissing, readJson, writeFileAtomic } from '../util/atomic';
import { EngawaError, isEngawaError } from '../util/errors';

export interface MaintenanceState {
  days: number;
  lastRun: CleanRunInfo | null;
}

interface FileShape {
  version: 1;
  days?: number;
  lastRun?: CleanRunInfo | null;
}

/** The file of `name` in `home`. */
export const maintenanceFile = (home: string, name: string): string => path.join(home, 'maintenance', `${validateInstanceName(name)}.json`);

const OUTCOMES: ReadonlySet<string> = new Set(['done', 'failed', 'skipped']);

function validRun(x: unknown): CleanRunInfo | null {
  const r = x as Partial<CleanRunInfo> | null | undefined;
  return r && typeof r.at === 'string' && !Number.isNaN(Date.parse(r.at)) && OUTCOMES.has(r.outcome ?? '') && Array.isArray(r.ran) ? (r as CleanRunInfo) : null;
}

/** The server's state (the defaults when there is no file, or one that is not valid). */
export async function readMaintenance(home: string, name: string): Promise<MaintenanceState> {
  let data: Partial<FileShape>;
  try {
    data = await readJson<Partial<FileShape>>(maintenanceFile(home, name));
  } catch (e) {
    // no file, or one that is not JSON (readJson says INTERNAL): the defaults, until the days are set again
    if (isMissing(e) || isEngawaError(e, 'INTERNAL')) return { days: DEFAULT_CLEAN_DAYS, lastRun: null };
    throw e;
  }
  return { days: cleanDaysProblem(data?.days) === null ? (data.days as number) : DEFAULT_CLEAN_DAYS, lastRun: validRun(data?.lastRun) };
}

async function write(home: string, name: string, state: MaintenanceState): Promise<void> {
  const data: FileShape = { version: 1, days: state.days, lastRun: state.lastRun };
  await mkdir(path.join(home, 'maintenance'), { recursive: true });
  await writeFileAtomic(maintenanceFile(home, name), JSON.stringify(data, null, 2) + '\n');
}

/** Sets the days; INVALID_INPUT naming the range (nothing written) when they are not 1–365. */
export async function setMaintenanceDays(home: string, name: string, days: number): Promise<MaintenanceState> {
  const problem = cleanDaysProblem(days);
  if (problem !== null) throw new EngawaError('INVALID_INPUT', `Cannot keep that: ${problem}.`, { days });
  const next = { ...(await readMaintenance(home, name)), days };
  await write(home, name, next);
  return next;
}

/** Records how a run ended (keeping the days). */
export async function recordCleanRun(home: string, name: string, run: CleanRunInfo): Promise<void> {
  await write(home, name, { ...(await readMaintenance(home, name)), lastRun: run });
}

/** Forgets the server (destroyed); nothing when there was no file. */
export async function forgetMaintenance(home: string, name: string): Promise<void> {
  await rm(maintenanceFile(home, name), { force: true });
}

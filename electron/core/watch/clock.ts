/**
 * The engine's clock against this computer's. Other servers reject signed messages whose date is
 * too far from theirs (Mastodon: more than an hour ahead or 12 hours old; some servers: minutes),
 * and Docker Desktop's VM (or WSL2) can drift by minutes after a sleep. So after a wake and every
 * few hours the api layer (api/clock.ts) measures it here: a helper container prints its time, and
 * this computer's time is taken before and after it runs; the midpoint is what the helper's time is
 * compared with (the error is at most half the run, well under the threshold).
 *
 * The fix fits the engine: Docker Desktop's VM can have its clock set from this computer's by a
 * short helper with CAP_SYS_TIME (`fixEngineClock`, run only when the person presses the button);
 * a Linux engine shares the computer's clock, which NTP keeps right (advice only). Nothing here
 * changes a clock by itself.
 */
import type { EngineApi, EngineInfo } from '../engine/types';

/** Beyond this difference the dashboard warns (ms). */
export const CLOCK_SKEW_LIMIT_MS = 30_000;

/** Which fix fits an engine: Docker Desktop's VM clock can be set; a Linux engine's clock is the computer's (NTP). */
export type ClockFlavor = 'desktop' | 'linux';
export type ClockFix = 'engine-clock' | 'ntp';

export interface ClockMeasurement {
  /** the helper's time, ms since the epoch */
  engineTime: number;
  /** this computer's time at the midpoint of the helper's run */
  hostTime: number;
  /** engineTime - hostTime: positive when the engine is ahead */
  skewMs: number;
  flavor: ClockFlavor;
  /** |skewMs| is within CLOCK_SKEW_LIMIT_MS */
  ok: boolean;
  /** what to offer when not ok (null when ok) */
  fix: ClockFix | null;
}

/** Docker Desktop reports itself as the operating system ("Docker Desktop"); any other engine counts as a Linux one. */
export function clockFlavor(info: Pick<EngineInfo, 'os' | 'source'>): ClockFlavor {
  return /docker desktop/i.test(info.os) || info.source === 'docker-desktop' ? 'desktop' : 'linux';
}

/** The verdict (pure): the skew from the host's time before and after the helper ran and the helper's time. */
export function clockVerdict(engineTime: number, before: number, after: number, flavor: ClockFlavor): ClockMeasurement {
  const hostTime = Math.round((before + after) / 2);
  const skewMs = engineTime - hostTime;
  const ok = Math.abs(skewMs) <= CLOCK_SKEW_LIMIT_MS;
  return { engineTime, hostTime, skewMs, flavor, ok, fix: ok ? null : flavor === 'desktop' ? 'engine-clock' : 'ntp' };
}

/** Measures the engine's clock; undefined when the engine cannot run the helper (no probe image, a hung engine). */
export async function measureClock(engine: EngineApi, now: () => number = Date.now): Promise<ClockMeasurement | undefined> {
  if (engine.readClock === undefined) return undefined;
  const flavor = clockFlavor(await engine.info());
  const before = now();
  const engineTime = await engine.readClock();
  const after = now();
  return engineTime === undefined ? undefined : clockVerdict(engineTime, before, after, flavor);
}

/**
 * Sets Docker Desktop's VM clock from this computer's, then measures again. Only for a person's
 * press of the button; the caller refuses on a Linux engine (its clock is the computer's).
 */
export async function fixEngineClock(engine: EngineApi, now: () => number = Date.now): Promise<boolean> {
  if (engine.setClock === undefined) return false;
  return engine.setClock(Math.round(now() / 1000));
}

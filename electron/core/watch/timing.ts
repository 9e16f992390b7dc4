/**
 * The bounds of the watchdog's timing (ENGAWA_WATCH_TIMING for `engawa watch`, WatchOptions.timing
 * for the shells). Thresholds that make no sense — a negative wait, a cap of zero, a back-off longer
 * than its maximum, a word where a number belongs — are refused before anything starts, with the
 * allowed range in the message, so a watchdog never runs with a loop it cannot get out of or one that
 * restarts a service every few milliseconds.
 */
import { EngawaError } from '../util/errors';
import { DEFAULT_TIMING, type WatchTiming } from './types';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Allowed [min, max] per field, and whether it must be a whole number. */
export const TIMING_RANGES: Record<keyof WatchTiming, { min: number; max: number; unit: string; integer?: boolean }> = {
  defaultGraceS: { min: 1, max: 86_400, unit: 's' },
  backoffMs: { min: 100, max: DAY, unit: 'ms' },
  maxBackoffMs: { min: 100, max: DAY, unit: 'ms' },
  cap: { min: 1, max: 100, unit: 'restarts', integer: true },
  windowMs: { min: 1000, max: 7 * DAY, unit: 'ms' },
  recheckGraceMs: { min: 0, max: 10 * 60_000, unit: 'ms' },
  busyRetryMs: { min: 50, max: HOUR, unit: 'ms' },
  engineRetryMs: { min: 50, max: 60_000, unit: 'ms' },
};

const FIELDS = Object.keys(TIMING_RANGES).join(', ');

const rangeText = (key: keyof WatchTiming): string => {
  const r = TIMING_RANGES[key];
  return `${key} ${r.integer ? 'a whole number ' : ''}from ${r.min} to ${r.max} ${r.unit}`;
};

const refuse = (problem: string, allowed: string): never => {
  throw new EngawaError('INVALID_INPUT', `The watch timing is not valid: ${problem} (allowed: ${allowed}).`, { path: 'timing' });
};

/**
 * Checks a partial WatchTiming from outside (parsed JSON or a shell's options) and returns it typed;
 * throws INVALID_INPUT naming the field and its allowed range. Fields left out keep their defaults;
 * the back-off may not exceed its maximum, the defaults included.
 */
export function validateTiming(value: unknown): Partial<WatchTiming> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return refuse('it must be an object', `the fields ${FIELDS}`);
  const out: Partial<WatchTiming> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (!Object.hasOwn(TIMING_RANGES, key)) refuse(`unknown field "${key}"`, `the fields ${FIELDS}`);
    const field = key as keyof WatchTiming;
    const r = TIMING_RANGES[field];
    if (typeof v !== 'number' || !Number.isFinite(v))
      refuse(`${field} is ${typeof v === 'number' ? v : (JSON.stringify(v) ?? String(v))}, not a number`, rangeText(field));
    const n = v as number;
    if (n < r.min || n > r.max || (r.integer === true && !Number.isInteger(n))) refuse(`${field} is ${n}`, rangeText(field));
    out[field] = n;
  }
  const backoff = out.backoffMs ?? DEFAULT_TIMING.backoffMs;
  const max = out.maxBackoffMs ?? DEFAULT_TIMING.maxBackoffMs;
  if (backoff > max) refuse(`backoffMs ${backoff} is more than maxBackoffMs ${max}`, 'backoffMs at most maxBackoffMs');
  return out;
}

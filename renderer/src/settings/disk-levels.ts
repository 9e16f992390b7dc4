/**
 * The disk guard's levels as the settings screen edits them (pure): the defaults the core uses
 * when none are set, and the same range the core checks (0.5 ≤ critical GB < warning GB ≤ 10000,
 * 1 ≤ warning % ≤ 50), so a value out of it is refused here, clearly, before anything is sent.
 */
import type { AppSettings } from '../../../electron/shared/contract';

export type DiskLevels = NonNullable<AppSettings['disk']>;

export const DISK_DEFAULTS: DiskLevels = { warnGB: 10, warnPercent: 10, criticalGB: 2 };

/** The levels typed in the three fields, or null when they are out of the range (or not numbers). */
export function parseDiskLevels(fields: { warnGB: string; warnPercent: string; criticalGB: string }): DiskLevels | null {
  const num = (s: string): number => (s.trim() === '' ? Number.NaN : Number(s.trim().replace(',', '.')));
  const v = { warnGB: num(fields.warnGB), warnPercent: num(fields.warnPercent), criticalGB: num(fields.criticalGB) };
  if (!Object.values(v).every(Number.isFinite)) return null;
  if (v.criticalGB < 0.5 || v.criticalGB >= v.warnGB || v.warnGB > 10000 || v.warnPercent < 1 || v.warnPercent > 50) return null;
  return v;
}

/**
 * The disk guard's levels (pure): a place is in warning below min(warnBytes, warnPercent of its
 * disk) — so a small disk is not always warned — and critical below criticalBytes. A level is left
 * upwards only with a margin above its threshold (HYSTERESIS), so free space that hovers around a
 * threshold (a log rotating, a cache refilling) does not make the guard stop and start servers in
 * turn. The settings are in GB (1024³ bytes, as Engawa prints sizes), checked against one range.
 */
import type { DiskLevel, DiskThresholds } from '../../shared/contract';
import { EngawaError } from '../util/errors';

/** What a person sets (AppSettings.disk). */
export interface DiskSettings {
  warnGB: number;
  warnPercent: number;
  criticalGB: number;
}

/** The defaults: warn below 10 GB or 10 % of the disk, critical below 2 GB. */
export const DISK_DEFAULTS: DiskSettings = { warnGB: 10, warnPercent: 10, criticalGB: 2 };

/** The range the settings must be in, as every refusal says it. */
export const DISK_RANGE_TEXT = '0.5 ≤ critical GB < warning GB ≤ 10000 and 1 ≤ warning percent ≤ 50';

/** A level is left upwards only once free space is this share above its threshold. */
export const HYSTERESIS = 0.1;

const GB = 1024 ** 3;

/** Why `s` is not a valid setting, or null (pure). */
export function diskSettingsProblem(s: DiskSettings): string | null {
  const { warnGB, warnPercent, criticalGB } = s;
  if (![warnGB, warnPercent, criticalGB].every((n) => typeof n === 'number' && Number.isFinite(n))) return 'the levels must be numbers';
  if (criticalGB < 0.5) return `critical GB ${criticalGB} is below 0.5`;
  if (warnGB > 10000) return `warning GB ${warnGB} is above 10000`;
  if (criticalGB >= warnGB) return `critical GB ${criticalGB} is not below warning GB ${warnGB}`;
  if (warnPercent < 1 || warnPercent > 50) return `warning percent ${warnPercent} is outside 1–50`;
  return null;
}

/** `s`, or INVALID_INPUT naming the problem and the range; nothing is changed by a refusal. */
export function validateDiskSettings(s: DiskSettings): DiskSettings {
  const problem = diskSettingsProblem(s);
  if (problem !== null) {
    throw new EngawaError('INVALID_INPUT', `The disk levels are not valid: ${problem} (allowed: ${DISK_RANGE_TEXT}).`, { path: 'disk' });
  }
  return { warnGB: s.warnGB, warnPercent: s.warnPercent, criticalGB: s.criticalGB };
}

/** The thresholds in bytes of settings (the defaults when none are set). */
export function toThresholds(s: DiskSettings | undefined): DiskThresholds {
  const v = s ?? DISK_DEFAULTS;
  return { warnBytes: Math.round(v.warnGB * GB), warnPercent: v.warnPercent, criticalBytes: Math.round(v.criticalGB * GB) };
}

/**
 * The warning level of a disk of `totalBytes`: the smaller of warnBytes and warnPercent of it, never
 * below the critical level (on a small disk the share can be less than criticalBytes).
 */
export function warnLevelBytes(totalBytes: number, t: DiskThresholds): number {
  return Math.max(t.criticalBytes, Math.min(t.warnBytes, Math.round((totalBytes * t.warnPercent) / 100)));
}

/** The level of a place with `freeBytes` free, given the level it had (hysteresis upwards). */
export function diskLevel(freeBytes: number, totalBytes: number, t: DiskThresholds, previous: DiskLevel = 'ok'): DiskLevel {
  const warn = warnLevelBytes(totalBytes, t);
  if (freeBytes < t.criticalBytes) return 'critical';
  if (previous === 'critical' && freeBytes < t.criticalBytes * (1 + HYSTERESIS)) return 'critical';
  if (freeBytes < warn) return 'warning';
  if (previous !== 'ok' && freeBytes < warn * (1 + HYSTERESIS)) return 'warning';
  return 'ok';
}

/** The worst of some levels ('ok' for none). */
export function worstLevel(levels: readonly DiskLevel[]): DiskLevel {
  return levels.includes('critical') ? 'critical' : levels.includes('warning') ? 'warning' : 'ok';
}

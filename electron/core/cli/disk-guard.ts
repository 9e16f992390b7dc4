/**
 * The disk guard of `engawa watch` (core/watch/disk-guard.ts): the same guard the app runs, with
 * its levels from the settings file, or from `--disk-warn-gb N` / `--disk-critical-gb N`, checked
 * against the same range before anything starts. The clean-up is the stack's own (maintenance.ts);
 * servers are stopped and started through the instance manager (under the instance's lock, like
 * every operation), their data kept.
 */
import type { WatchAction } from '../watch/index';
import { createDiskGuard, DISK_DEFAULTS, toThresholds, validateDiskSettings, type DiskGuard, type DiskSettings } from '../watch/index';
import { backupFolders, ScheduleStore } from '../backup/schedule-store';
import type { InstanceManager } from '../instances';
import { SettingsStore } from '../api/settings';
import { EngawaError } from '../util/errors';
import { runCleanUp } from '../watch/maintenance';
import type { CliContext } from './context';

/** The options `engawa watch` takes for the guard. */
export const DISK_OPTIONS = { 'disk-warn-gb': { type: 'string' }, 'disk-critical-gb': { type: 'string' } } as const;

function gb(ctx: CliContext, option: string): number | undefined {
  const raw = ctx.str(option);
  if (raw === undefined) return undefined;
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(n)) throw new EngawaError('INVALID_INPUT', `--${option} must be a number of GB, not "${raw}".`, { path: option });
  return n;
}

/** The guard's levels: the settings file's, then the flags; INVALID_INPUT with the range when they make no sense. */
export async function diskSettingsOf(ctx: CliContext): Promise<DiskSettings> {
  const stored = (await SettingsStore.open(ctx.home)).get().disk ?? DISK_DEFAULTS;
  const warnGB = gb(ctx, 'disk-warn-gb');
  const criticalGB = gb(ctx, 'disk-critical-gb');
  return validateDiskSettings({ ...stored, ...(warnGB !== undefined && { warnGB }), ...(criticalGB !== undefined && { criticalGB }) });
}

/** A guard over `manager` for `engawa watch`, started. */
export function startCliDiskGuard(ctx: CliContext, manager: InstanceManager, settings: DiskSettings, onAction: (a: WatchAction) => void): DiskGuard {
  const schedules = new ScheduleStore(ctx.home);
  const log = (line: string): void => ctx.io.stderr(ctx.redact(line) + '\n');
  const guard = createDiskGuard({
    home: ctx.home,
    manager,
    engine: () => ctx.engine(),
    thresholds: () => toThresholds(settings),
    backupFolders: () => backupFolders(ctx.home, schedules),
    cleanUp: (name) => runCleanUp({ manager, engine: () => ctx.engine(), home: ctx.home, log }, name, { trigger: 'disk-guard' }),
    stopServer: (name) => manager.stop(name),
    startServer: (name) => manager.start(name),
    log,
    onAction,
  });
  guard.start();
  return guard;
}

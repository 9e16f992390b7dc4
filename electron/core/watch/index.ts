/**
 * The watch layer's public interface: the watchdog that keeps a home server up (watchdog.ts,
 * recheck.ts), the engine's clock check (clock.ts) and the lock that keeps it to one per computer (lock.ts).
 */
export { createWatchdog } from './watchdog';
export { TIMING_RANGES, validateTiming } from './timing';
export { watchStateFile } from './state';
export { CLOCK_SKEW_LIMIT_MS, clockFlavor, clockVerdict, fixEngineClock, measureClock, type ClockFix, type ClockFlavor, type ClockMeasurement } from './clock';
export { acquireWatchLock, watchLockFile, type WatchLock, type WatchLockInfo } from './lock';
export { DEFAULT_TIMING, type WatchAction, type WatchActionKind, type Watchdog, type WatchdogDeps, type WatchTiming, type WatchedManager } from './types';
export { createDiskGuard, DISK_FAST_MS, DISK_PERIOD_MS, type DiskGuard, type DiskGuardDeps } from './disk-guard';
export {
  DISK_DEFAULTS,
  DISK_RANGE_TEXT,
  diskLevel,
  diskSettingsProblem,
  toThresholds,
  validateDiskSettings,
  warnLevelBytes,
  type DiskSettings,
} from './disk-levels';

/**
 * The watch layer's public interface: the watchdog that keeps a home server up (watchdog.ts,
 * recheck.ts), the engine's clock check (clock.ts) and the lock that keeps it to one per computer (lock.ts).
 */
export { createWatchdog } from './watchdog';
export { CLOCK_SKEW_LIMIT_MS, clockFlavor, clockVerdict, fixEngineClock, measureClock, type ClockFix, type ClockFlavor, type ClockMeasurement } from './clock';
export { acquireWatchLock, watchLockFile, type WatchLock, type WatchLockInfo } from './lock';
export { DEFAULT_TIMING, type WatchAction, type WatchActionKind, type Watchdog, type WatchdogDeps, type WatchTiming, type WatchedManager } from './types';

/**
 * The watchdog's public types: what it needs (deps), how long it waits (timing), and the record
 * of every action it takes, which the app shows and `engawa watch` prints.
 */
import type { EngineApi } from '../engine/types';
import type { InstanceManager, SecretStore } from '../instances';

/** What the watchdog did, or what it saw that needs a person. */
export type WatchActionKind =
  /** a service was restarted (it stayed unhealthy past its grace, or it was not ready at a re-check) */
  | 'restart'
  /** a service is still unhealthy after as many restarts as the cap allows: a problem for a person */
  | 'give-up'
  /** a re-check ran (a wake from sleep, a network change, Docker back), saying what it found */
  | 'recheck'
  /** a restart that was due was not made (another operation holds the instance, or it is not running on purpose) */
  | 'skip'
  /** Docker cannot be reached: the watchdog waits (said once until it is back) */
  | 'engine-down'
  /** Docker answers again */
  | 'engine-back'
  /** the disk guard (disk-guard.ts): a disk fell below its warning / critical level (instance null) */
  | 'disk-warning'
  | 'disk-critical'
  /** … ran a server's clean-up because Docker's disk is critical */
  | 'disk-clean'
  /** … stopped a server cleanly before its database hits a full disk / started it again once space is back */
  | 'disk-stop'
  | 'disk-start';

export interface WatchAction {
  /** the instance, null for the engine as a whole */
  instance: string | null;
  /** the service, null for the whole instance or the engine */
  service: string | null;
  kind: WatchActionKind;
  /** why, in one sentence for a person */
  reason: string;
  /** ISO time */
  at: string;
  /** 'give-up': the service's last log lines (secrets redacted) */
  lastLogLines?: string[];
}

export interface WatchTiming {
  /** how long a service may stay unhealthy before it is restarted, for services whose recipe says nothing (s) */
  defaultGraceS: number;
  /** the wait after a service's restart before its next one, doubled for each further one (ms) */
  backoffMs: number;
  maxBackoffMs: number;
  /** at most this many restarts of one service in `windowMs`; then it gives up */
  cap: number;
  windowMs: number;
  /** how long a re-check lets services become ready by themselves before it restarts them (ms) */
  recheckGraceMs: number;
  /** how soon a restart put off by another operation on the instance is tried again (ms) */
  busyRetryMs: number;
  /** how soon Docker is tried again while it cannot be reached at all (ms; doubled up to a minute) */
  engineRetryMs: number;
}

export const DEFAULT_TIMING: WatchTiming = {
  defaultGraceS: 120,
  backoffMs: 60_000,
  maxBackoffMs: 15 * 60_000,
  cap: 3,
  windowMs: 60 * 60_000,
  recheckGraceMs: 15_000,
  busyRetryMs: 10_000,
  engineRetryMs: 2_000,
};

/** What the watchdog uses of the instance manager. */
export type WatchedManager = Pick<InstanceManager, 'list' | 'find' | 'recipeOf' | 'runOperation' | 'watchEngine'>;

export interface WatchdogDeps {
  manager: WatchedManager;
  /** the same engine the manager uses */
  engine: () => Promise<EngineApi>;
  /** to redact the last log lines of a service it gives up on */
  secrets?: Pick<SecretStore, 'get'>;
  /** one line per action and per thing it waits for, with the reason */
  log: (line: string) => void;
  onAction?: (action: WatchAction) => void;
  timing?: Partial<WatchTiming>;
  /** where the restart counts are kept across restarts of the watchdog (state.ts: `<home>/watch-state.json`); none: in memory only */
  stateFile?: string;
}

export interface Watchdog {
  /** subscribes to Docker's events (the manager's one stream) and looks at every running instance once */
  start(): void;
  /** unsubscribes and cancels every timer; resolves once a restart or re-check in progress has finished */
  stop(): Promise<void>;
  /**
   * Re-checks the engine, every running instance's services and its tunnel connector now (after a
   * wake from sleep, a network change, Docker back), then, after `recheckGraceMs`, restarts what is
   * still not ready, the connector first. Resolves when done; re-checks asked for meanwhile join it.
   */
  recheck(reason: string): Promise<void>;
}

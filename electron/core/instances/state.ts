/**
 * The instance state machine: pure functions from (state, event) to state.
 *
 * Operation events move the state to the operation's own state (begin), its outcome (end), or
 * 'error' (fail); a backup or a drill leaves it as it is (the data is copied, the server stays as it
 * was). A restore's swap onto the restored data starts the instance again. Observations of the containers map to running / degraded / starting / stopped.
 * 'creating', 'stopping' and 'destroying' exist only while an operation runs, so observations never
 * override them. 'starting' is also what an observation reports while health checks are starting
 * (e.g. after Docker restarted the containers), so observations may move it on; the manager
 * therefore feeds no observations while one of its operations is running.
 */
import type { ServiceStatus } from '../engine/types';
import type { InstanceState, Op } from './types';

export type StateEvent = { type: 'op'; op: Op; phase: 'begin' | 'end' | 'fail' } | { type: 'observed'; services: ServiceStatus[] };

/** The state at an operation's begin and end; null: the operation leaves the state as it is. */
const BEGIN: Record<Op, InstanceState | null> = {
  create: 'creating',
  start: 'starting',
  stop: 'stopping',
  restart: 'starting',
  destroy: 'destroying',
  // the swap onto the restored data (the restore's steps before it leave the instance untouched)
  restore: 'starting',
  backup: null,
  drill: null,
  // an update serves on the old release while it pulls and backs up; its switch publishes 'starting'
  update: null,
  rollback: 'starting',
  // the watchdog restarts single services of a running instance: it publishes what they show
  heal: null,
  // a cache clean-up runs the stack's own tools in the running services: the server stays as it is
  clean: null,
};

const END: Record<Op, InstanceState | null> = {
  create: 'running',
  start: 'running',
  stop: 'stopped',
  restart: 'running',
  destroy: 'stopped',
  restore: 'running',
  backup: null,
  drill: null,
  update: 'running',
  rollback: 'running',
  heal: null,
  clean: null,
};

const OPERATION_ONLY: ReadonlySet<InstanceState> = new Set<InstanceState>(['creating', 'stopping', 'destroying']);

/** The state after `event`. */
export function nextState(current: InstanceState, event: StateEvent): InstanceState {
  if (event.type === 'op') {
    if (event.phase === 'begin') return BEGIN[event.op] ?? current;
    if (event.phase === 'end') return END[event.op] ?? current;
    return 'error';
  }
  if (OPERATION_ONLY.has(current)) return current;
  return deriveState(event.services);
}

const STOPPED: ReadonlySet<ServiceStatus['state']> = new Set<ServiceStatus['state']>(['missing', 'created', 'exited', 'dead', 'removing']);

/**
 * The state the containers show when no operation runs: stopped when none runs, degraded when some
 * run but another is unhealthy, stopped, restarting or paused, starting while a health check is
 * still starting, running when every service runs and is healthy (or has no health check).
 */
export function deriveState(services: ServiceStatus[]): InstanceState {
  if (services.every((s) => STOPPED.has(s.state))) return 'stopped';
  if (services.some((s) => s.state !== 'running' || s.health === 'unhealthy')) return 'degraded';
  if (services.some((s) => s.health === 'starting')) return 'starting';
  return 'running';
}

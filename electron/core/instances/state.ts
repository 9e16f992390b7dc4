/**
 * The instance state machine: pure functions from (state, event) to state.
 *
 * Operation events move the state to the operation's own state (begin), its outcome (end), or
 * 'error' (fail). Observations of the containers map to running / degraded / starting / stopped.
 * 'creating', 'stopping' and 'destroying' exist only while an operation runs, so observations never
 * override them. 'starting' is also what an observation reports while health checks are starting
 * (e.g. after Docker restarted the containers), so observations may move it on; the manager
 * therefore feeds no observations while one of its operations is running.
 */
import type { ServiceStatus } from '../engine/types';
import type { InstanceState, Op } from './types';

export type StateEvent = { type: 'op'; op: Op; phase: 'begin' | 'end' | 'fail' } | { type: 'observed'; services: ServiceStatus[] };

const BEGIN: Record<Op, InstanceState> = {
  create: 'creating',
  start: 'starting',
  stop: 'stopping',
  restart: 'starting',
  destroy: 'destroying',
};

const END: Record<Op, InstanceState> = {
  create: 'running',
  start: 'running',
  stop: 'stopped',
  restart: 'running',
  destroy: 'stopped',
};

const OPERATION_ONLY: ReadonlySet<InstanceState> = new Set<InstanceState>(['creating', 'stopping', 'destroying']);

/** The state after `event`. */
export function nextState(current: InstanceState, event: StateEvent): InstanceState {
  if (event.type === 'op') {
    if (event.phase === 'begin') return BEGIN[event.op];
    if (event.phase === 'end') return END[event.op];
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

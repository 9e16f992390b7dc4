import { describe, expect, it } from 'vitest';
import type { ServiceStatus } from '../../../electron/core/engine/types';
import { deriveState, nextState, type StateEvent } from '../../../electron/core/instances/state';
import type { InstanceState, Op } from '../../../electron/core/instances/types';

function svc(name: string, state: ServiceStatus['state'], health: ServiceStatus['health'] = 'none'): ServiceStatus {
  return { name, state, health, ports: {} };
}

const ALL: InstanceState[] = ['creating', 'starting', 'running', 'degraded', 'stopping', 'stopped', 'error', 'destroying', 'unknown'];

const healthy = [svc('db', 'running', 'healthy'), svc('web', 'running')];
const oneUnhealthy = [svc('db', 'running', 'healthy'), svc('web', 'running', 'unhealthy')];
const oneExited = [svc('db', 'running', 'healthy'), svc('web', 'exited')];
const oneRestarting = [svc('db', 'running', 'healthy'), svc('web', 'restarting')];
const healthStarting = [svc('db', 'running', 'starting'), svc('web', 'running')];
const noneRunning = [svc('db', 'exited'), svc('web', 'created')];

describe('deriveState', () => {
  it.each<[string, ServiceStatus[], InstanceState]>([
    ['every service running and healthy or without a check', healthy, 'running'],
    ['one unhealthy', oneUnhealthy, 'degraded'],
    ['one exited while others run', oneExited, 'degraded'],
    ['one restarting', oneRestarting, 'degraded'],
    ['one paused', [svc('db', 'running'), svc('web', 'paused')], 'degraded'],
    ['one missing while others run', [svc('db', 'running'), svc('web', 'missing')], 'degraded'],
    ['a health check still starting', healthStarting, 'starting'],
    ['starting and another one exited', [svc('db', 'running', 'starting'), svc('web', 'exited')], 'degraded'],
    ['none running', noneRunning, 'stopped'],
    ['all restarting is a problem, not stopped', [svc('db', 'restarting')], 'degraded'],
    ['no containers at all', [], 'stopped'],
    ['every container missing', [svc('db', 'missing'), svc('web', 'missing')], 'stopped'],
  ])('%s', (_what, services, expected) => {
    expect(deriveState(services)).toBe(expected);
  });
});

describe('nextState: operations', () => {
  const table: [Op, InstanceState, InstanceState][] = [
    // op, state at begin, state at end
    ['create', 'creating', 'running'],
    ['start', 'starting', 'running'],
    ['restart', 'starting', 'running'],
    ['stop', 'stopping', 'stopped'],
    ['destroy', 'destroying', 'stopped'],
  ];
  for (const [op, begin, end] of table) {
    it(`${op}: begin → ${begin}, end → ${end}, fail → error, from every state`, () => {
      for (const from of ALL) {
        expect(nextState(from, { type: 'op', op, phase: 'begin' })).toBe(begin);
        expect(nextState(begin, { type: 'op', op, phase: 'end' })).toBe(end);
        expect(nextState(from, { type: 'op', op, phase: 'fail' })).toBe('error');
      }
    });
  }
});

describe('nextState: observations', () => {
  const observed = (services: ServiceStatus[]): StateEvent => ({ type: 'observed', services });

  it.each<InstanceState>(['creating', 'stopping', 'destroying'])('never override %s, which only its operation ends', (state) => {
    for (const services of [healthy, oneUnhealthy, oneExited, noneRunning, healthStarting]) {
      expect(nextState(state, observed(services))).toBe(state);
    }
  });

  it.each<InstanceState>(['starting', 'running', 'degraded', 'stopped', 'error', 'unknown'])('move %s to what the containers show', (state) => {
    expect(nextState(state, observed(healthy))).toBe('running');
    expect(nextState(state, observed(oneUnhealthy))).toBe('degraded');
    expect(nextState(state, observed(oneExited))).toBe('degraded');
    expect(nextState(state, observed(healthStarting))).toBe('starting');
    expect(nextState(state, observed(noneRunning))).toBe('stopped');
  });

  it('a fail during an operation still goes to error', () => {
    expect(nextState(nextState('stopped', { type: 'op', op: 'start', phase: 'begin' }), { type: 'op', op: 'start', phase: 'fail' })).toBe('error');
    expect(nextState('creating', { type: 'op', op: 'create', phase: 'fail' })).toBe('error');
  });
});

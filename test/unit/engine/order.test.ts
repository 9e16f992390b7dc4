import { describe, expect, it } from 'vitest';
import { dependencyClosure, dependsOnLabel, parseDependsOnLabel, stopWaves } from '../../../electron/core/engine/order';

describe('depends_on label', () => {
  it('round-trips in compose format', () => {
    const label = dependsOnLabel([
      { service: 'db', condition: 'healthy' },
      { service: 'redis', condition: 'started' },
    ]);
    expect(label).toBe('db:service_healthy:false,redis:service_started:false');
    expect(parseDependsOnLabel(label)).toEqual(['db', 'redis']);
    expect(parseDependsOnLabel(undefined)).toEqual([]);
    expect(parseDependsOnLabel('')).toEqual([]);
  });
});

describe('stopWaves', () => {
  it('stops dependents before their dependencies', () => {
    const deps = new Map([
      ['db', []],
      ['redis', []],
      ['web', ['db', 'redis']],
      ['sidekiq', ['db', 'redis']],
      ['tunnel', ['web']],
    ]);
    expect(stopWaves(deps)).toEqual([['sidekiq', 'tunnel'], ['web'], ['db', 'redis']]);
  });

  it('ignores dependencies on unknown services and does not loop on a cycle', () => {
    expect(stopWaves(new Map([['web', ['gone']]]))).toEqual([['web']]);
    expect(
      stopWaves(
        new Map([
          ['a', ['b']],
          ['b', ['a']],
          ['c', ['a']],
        ]),
      ),
    ).toEqual([['c'], ['a', 'b']]);
  });
});

describe('dependencyClosure', () => {
  it('adds transitive dependencies', () => {
    const deps = new Map([
      ['web', ['db']],
      ['db', ['volume-init']],
      ['redis', []],
    ]);
    expect([...dependencyClosure(['web'], deps)].sort()).toEqual(['db', 'volume-init', 'web']);
    expect([...dependencyClosure([], deps)]).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { decideAction } from '../../../electron/core/engine/reconcile';

describe('decideAction', () => {
  it('creates a missing container', () => {
    expect(decideAction(undefined, 'h1')).toBe('create');
  });

  it('recreates when the configuration hash differs, whatever the state', () => {
    for (const state of ['running', 'exited', 'created', 'paused'] as const) expect(decideAction({ state, configHash: 'old' }, 'new')).toBe('recreate');
    expect(decideAction({ state: 'running' }, 'new')).toBe('recreate');
  });

  it('leaves an unchanged running container alone and starts an unchanged stopped one', () => {
    expect(decideAction({ state: 'running', configHash: 'h' }, 'h')).toBe('keep');
    expect(decideAction({ state: 'restarting', configHash: 'h' }, 'h')).toBe('keep');
    expect(decideAction({ state: 'exited', configHash: 'h' }, 'h')).toBe('start');
    expect(decideAction({ state: 'created', configHash: 'h' }, 'h')).toBe('start');
    expect(decideAction({ state: 'paused', configHash: 'h' }, 'h')).toBe('unpause');
    expect(decideAction({ state: 'dead', configHash: 'h' }, 'h')).toBe('recreate');
  });
});

/** The contract's lists: unique names, a schema for every method, channels derived from names. */
import { describe, expect, it } from 'vitest';
import { API_EVENTS, API_METHODS, ipcChannel } from '../../../electron/shared/contract';
import { INPUT_SCHEMAS } from '../../../electron/core/api/schemas';

describe('contract lists', () => {
  it('name each method and event once', () => {
    expect(new Set(API_METHODS).size).toBe(API_METHODS.length);
    expect(new Set(API_EVENTS).size).toBe(API_EVENTS.length);
  });

  it('have exactly one input schema per method', () => {
    expect(Object.keys(INPUT_SCHEMAS).sort()).toEqual([...API_METHODS].sort());
  });

  it('map methods to api:<method> channels', () => {
    expect(API_METHODS.map(ipcChannel)).toEqual(API_METHODS.map((m) => `api:${m}`));
  });

  it('accept no input for methods that take none, and refuse a stray value', () => {
    for (const m of ['app.info', 'system.check', 'stacks.list', 'instances.list', 'settings.get', 'ops.list', 'updates.list'] as const) {
      expect(INPUT_SCHEMAS[m].safeParse(undefined).success, m).toBe(true);
      expect(INPUT_SCHEMAS[m].safeParse({}).success, m).toBe(false);
    }
  });
});

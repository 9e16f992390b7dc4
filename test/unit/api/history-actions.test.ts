/**
 * The watchdog's actions as `instances.history` returns them for the dashboard: from the records
 * the history recorder wrote ("<kind>: <reason>", source watchdog), within the window, the last
 * HISTORY_ACTIONS, newest first; other records and reasons in another form are not actions.
 */
import { describe, expect, it } from 'vitest';
import { actionsOf, HISTORY_ACTIONS } from '../../../electron/core/api/history';
import type { HistoryRecord } from '../../../electron/core/watch/history';

const T0 = Date.parse('2026-12-01T00:00:00.000Z');
const at = (min: number): string => new Date(T0 + min * 60_000).toISOString();

describe('actionsOf', () => {
  it('keeps the watchdog records in the window, newest first, split into what and why', () => {
    const records: HistoryRecord[] = [
      { at: at(0), state: 'degraded', source: 'watchdog', reason: 'restart: too old' },
      { at: at(10), state: 'running', source: 'docker' },
      { at: at(20), state: 'degraded', source: 'watchdog', reason: 'restart: web unhealthy for 130 s (grace 120 s); restart 1 of at most 3' },
      { at: at(21), state: 'running', source: 'engawa', reason: 'restart: not the watchdog' },
      { at: at(30), state: 'degraded', source: 'watchdog', reason: 'give-up: web is still unhealthy after 3 restarts' },
      { at: at(31), state: 'degraded', source: 'watchdog', reason: 'no kind here' },
    ];
    expect(actionsOf(records, T0 + 5 * 60_000)).toEqual([
      { at: at(30), kind: 'give-up', reason: 'web is still unhealthy after 3 restarts' },
      { at: at(20), kind: 'restart', reason: 'web unhealthy for 130 s (grace 120 s); restart 1 of at most 3' },
    ]);
  });

  it(`returns at most the last ${HISTORY_ACTIONS}`, () => {
    const records: HistoryRecord[] = Array.from({ length: 25 }, (_, i) => ({
      at: at(i),
      state: 'running',
      source: 'watchdog',
      reason: `recheck: number ${i}`,
    }));
    const got = actionsOf(records, T0);
    expect(got).toHaveLength(HISTORY_ACTIONS);
    expect(got[0]!.reason).toBe('number 24');
    expect(got.at(-1)!.reason).toBe(`number ${25 - HISTORY_ACTIONS}`);
  });
});

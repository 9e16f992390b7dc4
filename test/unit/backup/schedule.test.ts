/** Backup schedules: when they are due, their checks, and the scheduler's timers (fake time). */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BackupScheduler, checkSchedule, nextRun, type BackupSchedule } from '../../../electron/core/backup/schedule';
import type { EngawaError } from '../../../electron/core/util/errors';

const daily: BackupSchedule = { instance: 'a', every: 'daily', at: '03:30', out: '/backups' };
const weekly: BackupSchedule = { instance: 'b', every: 'weekly', at: '23:00', weekday: 0, out: '/backups' };
const local = (y: number, mo: number, d: number, h: number, mi: number) => new Date(y, mo - 1, d, h, mi, 0, 0);

describe('nextRun', () => {
  it('is today at the time when still ahead, else tomorrow', () => {
    expect(nextRun(daily, local(2026, 3, 10, 1, 0))).toEqual(local(2026, 3, 10, 3, 30));
    expect(nextRun(daily, local(2026, 3, 10, 3, 30))).toEqual(local(2026, 3, 11, 3, 30));
    expect(nextRun(daily, local(2026, 12, 31, 4, 0))).toEqual(local(2027, 1, 1, 3, 30));
  });

  it('is the next chosen weekday at the time', () => {
    // 2026-03-10 is a Tuesday; the next Sunday is the 15th
    expect(nextRun(weekly, local(2026, 3, 10, 12, 0))).toEqual(local(2026, 3, 15, 23, 0));
    expect(nextRun(weekly, local(2026, 3, 15, 22, 0))).toEqual(local(2026, 3, 15, 23, 0));
    expect(nextRun(weekly, local(2026, 3, 15, 23, 0))).toEqual(local(2026, 3, 22, 23, 0));
  });
});

describe('checkSchedule', () => {
  it.each([
    [{ ...daily, at: '24:00' }, /HH:MM/],
    [{ ...daily, at: '3:30' }, /HH:MM/],
    [{ ...weekly, weekday: 7 }, /day of the week/],
    [{ ...weekly, weekday: undefined }, /day of the week/],
    [{ ...daily, keep: 0 }, /at least one/],
    [{ ...daily, out: '' }, /folder/],
    [{ ...daily, every: 'hourly' as 'daily' }, /daily or weekly/],
  ])('refuses %o', (s, message) => expect(() => checkSchedule(s)).toThrow(message));
});

describe('BackupScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(local(2026, 3, 10, 3, 0));
  });
  afterEach(() => vi.useRealTimers());

  it('runs each schedule when due, again the next day, and reports failures', async () => {
    const runs: string[] = [];
    const failures: string[] = [];
    const s = new BackupScheduler(
      async (x) => {
        runs.push(`${x.instance}@${new Date().getHours()}:${new Date().getMinutes()}`);
        if (runs.length === 2) throw new Error('disk gone');
      },
      (x, e: EngawaError) => failures.push(`${x.instance}: ${e.message}`),
    );
    s.set([daily]);
    expect(s.due()).toEqual({ a: local(2026, 3, 10, 3, 30) });
    await vi.advanceTimersByTimeAsync(29 * 60 * 1000);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(60 * 1000);
    expect(runs).toEqual(['a@3:30']);
    expect(s.due()).toEqual({ a: local(2026, 3, 11, 3, 30) });
    await vi.advanceTimersByTimeAsync(24 * 60 * 60 * 1000);
    expect(runs).toEqual(['a@3:30', 'a@3:30']);
    expect(failures).toEqual(['a: disk gone']);
    s.stop();
    await vi.advanceTimersByTimeAsync(48 * 60 * 60 * 1000);
    expect(runs).toHaveLength(2);
  });

  it('runs a backup missed while the computer slept when the timer fires late', async () => {
    const runs: Date[] = [];
    const s = new BackupScheduler(
      async () => void runs.push(new Date()),
      () => undefined,
    );
    s.set([daily]);
    // the clock jumps past the due time without timers firing (sleep), then a timer fires
    vi.setSystemTime(local(2026, 3, 10, 9, 0));
    await vi.advanceTimersByTimeAsync(60 * 60 * 1000);
    expect(runs).toHaveLength(1);
    expect(s.due()).toEqual({ a: local(2026, 3, 11, 3, 30) });
    s.stop();
  });
});

/**
 * The dashboard's clock notice (renderer/src/dashboard/clock-notice.ts): nothing within 30 s; off
 * by 5 minutes, the sentence says which way and how much, with the button on Docker Desktop and
 * the NTP advice on a Linux engine — and every key it uses has words in both languages.
 */
import { describe, expect, it } from 'vitest';
import type { ClockInfo } from '../../../electron/shared/contract';
import { clockNotice } from '../../../renderer/src/dashboard/clock-notice';
import en from '../../../renderer/src/i18n/en.json';
import ja from '../../../renderer/src/i18n/ja.json';

const at = '2026-01-01T00:00:00.000Z';
const info = (skewMs: number, fix: ClockInfo['fix']): ClockInfo => ({ skewMs, checkedAt: at, ok: fix === null, fix });
const text = (dict: object, key: string): unknown => key.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], dict);

describe('clockNotice', () => {
  it('shows nothing when the clock is within 30 s or unknown', () => {
    expect(clockNotice(info(20_000, null))).toBeNull();
    expect(clockNotice(info(-29_000, null))).toBeNull();
    expect(clockNotice(null)).toBeNull();
  });

  it('5 minutes ahead on Docker Desktop: "5 minutes ahead", with the button', () => {
    expect(clockNotice(info(5 * 60_000 + 1200, 'engine-clock'))).toEqual({ sentence: 'clock.ahead', unit: 'clock.minutes', n: 5, action: 'button' });
  });

  it('5 minutes behind on a Linux engine: "5 minutes behind", with the NTP advice', () => {
    expect(clockNotice(info(-5 * 60_000, 'ntp'))).toEqual({ sentence: 'clock.behind', unit: 'clock.minutes', n: 5, action: 'ntp' });
  });

  it('says seconds under a minute and a half, hours from two hours', () => {
    expect(clockNotice(info(45_000, 'ntp'))).toMatchObject({ unit: 'clock.seconds', n: 45 });
    expect(clockNotice(info(-3 * 3_600_000, 'engine-clock'))).toMatchObject({ sentence: 'clock.behind', unit: 'clock.hours', n: 3 });
  });

  it('has every text it uses in both languages, the English sentence as the issue says it', () => {
    for (const key of [
      'clock.title',
      'clock.ahead',
      'clock.behind',
      'clock.seconds',
      'clock.minutes',
      'clock.hours',
      'clock.fix',
      'clock.fixing',
      'clock.fixFailed',
      'clock.ntp',
    ]) {
      expect(typeof text(en, key), key).toBe('string');
      expect(typeof text(ja, key), key).toBe('string');
    }
    expect(text(en, 'clock.ahead')).toMatch(/^The clock of Docker is \{\{amount\}\} ahead of this computer’s; other servers will reject/);
    expect(text(en, 'clock.fix')).toBe('Set Docker’s clock from this computer’s');
  });
});

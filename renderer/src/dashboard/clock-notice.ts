/**
 * What the dashboard says about the engine's clock (pure): nothing within 30 s (the core's `ok`);
 * otherwise which way it is off and by how much (seconds under a minute and a half, minutes under
 * two hours, else hours: so the number is never 1 and needs no plural), and what to do: the button
 * that sets Docker Desktop's clock, or the advice to turn on NTP on a Linux engine.
 */
import type { ClockInfo } from '../../../electron/shared/contract';

/** The command the NTP advice shows (the same in every language). */
export const NTP_COMMAND = 'timedatectl set-ntp true';

export interface ClockNoticeView {
  /** i18n key of the sentence */
  sentence: 'clock.ahead' | 'clock.behind';
  /** i18n key of the amount, with its number */
  unit: 'clock.seconds' | 'clock.minutes' | 'clock.hours';
  n: number;
  /** 'button': offer system.fixClock; 'ntp': show the NTP advice; 'none': neither is known to fit */
  action: 'button' | 'ntp' | 'none';
}

export function clockNotice(info: ClockInfo | null): ClockNoticeView | null {
  if (info === null || info.ok) return null;
  const abs = Math.abs(info.skewMs);
  const [unit, n] =
    abs < 90_000
      ? (['clock.seconds', Math.round(abs / 1000)] as const)
      : abs < 120 * 60_000
        ? (['clock.minutes', Math.round(abs / 60_000)] as const)
        : (['clock.hours', Math.round(abs / 3_600_000)] as const);
  const action = info.fix === 'engine-clock' ? 'button' : info.fix === 'ntp' ? 'ntp' : 'none';
  return { sentence: info.skewMs > 0 ? 'clock.ahead' : 'clock.behind', unit, n, action };
}

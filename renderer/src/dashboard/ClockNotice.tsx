/**
 * A warning on the dashboard when the engine's clock is more than 30 s off this computer's (the
 * core measures it after a wake and every few hours): other servers reject messages dated too far
 * from their own clock. On Docker Desktop it offers to set Docker's clock from this computer's
 * (only when pressed); on a Linux engine it advises turning on NTP. Nothing is shown otherwise.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ClockInfo } from '../../../electron/shared/contract';
import { useApi } from '../store/context';
import { clockNotice, NTP_COMMAND } from './clock-notice';

export function ClockNotice() {
  const { t } = useTranslation();
  const api = useApi();
  const [info, setInfo] = useState<ClockInfo | null>(null);
  const [fixing, setFixing] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    api.call('system.clock').then(
      (c) => live && setInfo(c),
      () => {}, // the clock cannot be read (Docker away): nothing to say about it
    );
    const off = api.on('clock.changed', (c) => setInfo(c));
    return () => {
      live = false;
      off();
    };
  }, [api]);

  const view = clockNotice(info);
  if (view === null) return null;

  const fix = () => {
    setFixing(true);
    setFailed(null);
    api
      .call('system.fixClock')
      .then(setInfo, (e: unknown) => setFailed(e instanceof Error ? e.message : String(e)))
      .finally(() => setFixing(false));
  };

  return (
    <div className="notice notice-warn" role="alert" data-testid="clock-notice">
      <p className="notice-title">{t('clock.title')}</p>
      <p>{t(view.sentence, { amount: t(view.unit, { n: view.n }) })}</p>
      {view.action === 'button' && (
        <div className="actions">
          <button type="button" className="button" onClick={fix} disabled={fixing} data-testid="clock-fix">
            {fixing ? t('clock.fixing') : t('clock.fix')}
          </button>
        </div>
      )}
      {view.action === 'ntp' && (
        <p>
          {t('clock.ntp')} <code>{NTP_COMMAND}</code>
        </p>
      )}
      {failed !== null && <p lang="en">{t('clock.fixFailed', { message: failed })}</p>}
    </div>
  );
}

/**
 * The tunnel's health on the dashboard, from `tunnel.status`: asked when the card opens and when
 * the user presses "Check again" (never polled). Three signals (the connector, Cloudflare's view,
 * a visit of the public URL) and, for each problem, plain advice translated by its code.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, TunnelStatusInfo } from '../../../electron/shared/contract';
import { ErrorNotice } from '../components/ErrorNotice';
import { toApiError } from '../lib/errors';
import { fireAndReport } from '../lib/report';
import { useApi } from '../store/context';
import { TunnelRoutes } from '../wizard/TunnelRoutes';

export function TunnelCard(props: { name: string }) {
  const { t } = useTranslation();
  const api = useApi();
  const [status, setStatus] = useState<TunnelStatusInfo | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [checking, setChecking] = useState(false);

  const check = useCallback(async () => {
    setChecking(true);
    setError(null);
    try {
      setStatus(await api.call('tunnel.status', { name: props.name }));
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setChecking(false);
    }
  }, [api, props.name]);

  useEffect(() => {
    setStatus(null);
    fireAndReport(check(), 'checking the tunnel');
  }, [check]);

  const cf = status?.cloudflare;
  return (
    <section className="card" aria-labelledby="tunnel-title" data-testid="tunnel-card">
      <h2 id="tunnel-title">{t('tunnelStatus.title')}</h2>
      {status === null && error === null && <p className="muted">{t('tunnelStatus.checking')}</p>}
      {error && <ErrorNotice error={error} />}
      {status && (
        <>
          <p className={status.ok ? 'tunnel-ok' : 'tunnel-bad'} data-testid="tunnel-verdict" data-ok={String(status.ok)}>
            {status.ok ? t('tunnelStatus.ok') : t('tunnelStatus.problems')}
          </p>
          <dl className="urls">
            <dt>{t('tunnelStatus.connector')}</dt>
            <dd>
              {t(`container.${status.connector.state}`, { defaultValue: status.connector.state })} ·{' '}
              {t(`health.${status.connector.health}`, { defaultValue: status.connector.health })}
            </dd>
            {cf !== undefined && (
              <>
                <dt>{t('tunnelStatus.cloudflare')}</dt>
                <dd>{'error' in cf ? t('tunnelStatus.unknown') : t('tunnelStatus.connections', { status: cf.status, count: cf.connections })}</dd>
              </>
            )}
            <dt>{t('tunnelStatus.probe')}</dt>
            <dd>{status.probe.ok ? t('tunnelStatus.answers') : t('tunnelStatus.noAnswer')}</dd>
          </dl>
          {status.problems.map((p) => (
            <div key={p.problem} className="notice notice-warn" data-problem={p.problem}>
              <p>{t(`tunnelStatus.problem.${p.problem}`)}</p>
              <details className="notice-detail">
                <summary>{t('common.details')}</summary>
                <p lang="en">{p.message}</p>
              </details>
            </div>
          ))}
          {status.routes && <TunnelRoutes routes={status.routes} />}
        </>
      )}
      <button type="button" className="button button-small" onClick={() => fireAndReport(check(), 'checking the tunnel')} disabled={checking}>
        {t('tunnelStatus.refresh')}
      </button>
    </section>
  );
}

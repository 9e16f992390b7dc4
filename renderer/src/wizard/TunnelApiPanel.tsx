/**
 * The API-token mode of the tunnel step: open Cloudflare's token page (pre-filled, with the
 * permissions as a checklist), paste the token, verify it (nothing is created), then pick an
 * active domain and the public host name. A pending domain says which name servers to set; a
 * missing permission is named before anything is made; a token Cloudflare refuses is said so.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, TunnelTokenCheck, TunnelTokenPage } from '../../../electron/shared/contract';
import { ErrorNotice } from '../components/ErrorNotice';
import { toApiError } from '../lib/errors';
import { fireAndReport } from '../lib/report';
import { useApi } from '../store/context';
import { zoneFor, type TunnelChoice } from './tunnel-choice';

type ApiChoice = Extract<TunnelChoice, { mode: 'api' }>;

export function TunnelApiPanel(props: { choice: ApiChoice; publicHost: string; onChange: (choice: TunnelChoice) => void }) {
  const { t } = useTranslation();
  const api = useApi();
  const { choice } = props;
  const [page, setPage] = useState<TunnelTokenPage | null>(null);
  const [missing, setMissing] = useState<TunnelTokenCheck['missing']>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [verifying, setVerifying] = useState(false);

  useEffect(() => {
    let live = true;
    api.call('tunnel.tokenPage').then(
      (p) => live && setPage(p),
      (e: unknown) => live && setError(toApiError(e)),
    );
    return () => {
      live = false;
    };
  }, [api]);

  const verify = async (): Promise<void> => {
    setVerifying(true);
    setError(null);
    setMissing([]);
    try {
      const check = await api.call('tunnel.verifyToken', { apiToken: choice.apiToken.trim() });
      setMissing(check.missing);
      const active = check.zones.filter((z) => z.status === 'active');
      const zone = zoneFor(props.publicHost, active) ?? active[0] ?? check.zones[0];
      props.onChange({ ...choice, zones: check.missing.length === 0 ? check.zones : null, zone: zone?.name ?? '' });
    } catch (e) {
      setError(toApiError(e));
      props.onChange({ ...choice, zones: null });
    } finally {
      setVerifying(false);
    }
  };

  const zone = choice.zones?.find((z) => z.name === choice.zone);
  return (
    <div className="tunnel-panel">
      <p>{t('tunnel.api.makeToken')}</p>
      {page && (
        <>
          <a className="button" href={page.url} target="_blank" rel="noopener noreferrer" data-testid="token-page">
            {t('tunnel.api.openTokenPage')}
          </a>
          <p className="help">{t('tunnel.api.checklist')}</p>
          <ul className="checklist">
            {page.checklist.map((c) => (
              <li key={c.permission}>
                <code>{c.label}</code>
              </li>
            ))}
          </ul>
        </>
      )}
      <div className="field">
        <label htmlFor="cloudflare-token">{t('tunnel.api.tokenLabel')}</label>
        <input
          id="cloudflare-token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={choice.apiToken}
          onChange={(e) => props.onChange({ ...choice, apiToken: e.target.value, zones: null })}
        />
        <p className="help">{t('tunnel.api.tokenHelp')}</p>
      </div>
      <button
        type="button"
        className="button"
        onClick={() => fireAndReport(verify(), 'verifying the token')}
        disabled={verifying || choice.apiToken.trim() === ''}
      >
        {verifying ? t('tunnel.api.verifying') : t('tunnel.api.verify')}
      </button>
      {error &&
        (error.details?.reason === 'token' ? (
          <div className="notice notice-error" role="alert" data-testid="bad-token">
            <p className="notice-title">{t('tunnel.api.badTokenTitle')}</p>
            <p>{t('tunnel.api.badTokenBody')}</p>
          </div>
        ) : (
          <ErrorNotice error={error} />
        ))}
      {missing.length > 0 && (
        <div className="notice notice-error" role="alert" data-testid="missing-permissions">
          <p className="notice-title">{t('tunnel.api.missingTitle')}</p>
          <ul>
            {missing.map((m) => (
              <li key={m.permission}>
                <code>{m.label}</code>
              </li>
            ))}
          </ul>
          <p>{t('tunnel.api.missingBody')}</p>
        </div>
      )}
      {choice.zones !== null && (
        <>
          {choice.zones.length === 0 ? (
            <p className="notice notice-warn">{t('tunnel.api.noZones')}</p>
          ) : (
            <div className="field">
              <label htmlFor="cloudflare-zone">{t('tunnel.api.zoneLabel')}</label>
              <select id="cloudflare-zone" value={choice.zone} onChange={(e) => props.onChange({ ...choice, zone: e.target.value })}>
                {choice.zones.map((z) => (
                  <option key={z.name} value={z.name}>
                    {z.status === 'active' ? z.name : t('tunnel.api.zonePendingOption', { zone: z.name })}
                  </option>
                ))}
              </select>
            </div>
          )}
          {zone && zone.status !== 'active' && (
            <div className="notice notice-warn" data-testid="zone-pending">
              <p className="notice-title">{t('tunnel.api.pendingTitle', { zone: zone.name })}</p>
              <p>{t('tunnel.api.pendingBody')}</p>
              <ul>
                {zone.nameServers.map((ns) => (
                  <li key={ns}>
                    <code>{ns}</code>
                  </li>
                ))}
              </ul>
            </div>
          )}
          <div className="field">
            <label htmlFor="tunnel-hostname">{t('tunnel.hostname.label')}</label>
            <input
              id="tunnel-hostname"
              type="text"
              autoComplete="off"
              spellCheck={false}
              value={choice.hostname}
              onChange={(e) => props.onChange({ ...choice, hostname: e.target.value })}
            />
            <p className="help">{t('tunnel.hostname.help', { host: props.publicHost })}</p>
          </div>
        </>
      )}
    </div>
  );
}

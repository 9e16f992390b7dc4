/**
 * The Cloudflare API token field, shared by the wizard's tunnel step and the restore of a backup
 * that lacks its tunnel's token: open Cloudflare's token page (pre-filled, with the permissions as
 * a checklist, and how to narrow it to the account and the one domain, which the pre-filled page
 * cannot do), paste the token, verify it (nothing is created). A missing permission is named; a
 * token Cloudflare refuses is said so; a token that reaches more domains than one is advised to be
 * narrowed (it still works). The token stays in the caller's memory only.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, TunnelTokenCheck, TunnelTokenPage } from '../../../electron/shared/contract';
import { ErrorNotice } from '../components/ErrorNotice';
import { toApiError } from '../lib/errors';
import { fireAndReport } from '../lib/report';
import { useApi } from '../store/context';

export function CloudflareTokenField(props: { token: string; onToken: (token: string) => void; onChecked: (check: TunnelTokenCheck | null) => void }) {
  const { t } = useTranslation();
  const api = useApi();
  const [page, setPage] = useState<TunnelTokenPage | null>(null);
  const [missing, setMissing] = useState<TunnelTokenCheck['missing']>([]);
  /** how many domains the checked token reaches (more than one: the advice to narrow it) */
  const [reach, setReach] = useState(0);
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
    setReach(0);
    try {
      const check = await api.call('tunnel.verifyToken', { apiToken: props.token.trim() });
      setMissing(check.missing);
      setReach(check.zones.length);
      props.onChecked(check);
    } catch (e) {
      setError(toApiError(e));
      props.onChecked(null);
    } finally {
      setVerifying(false);
    }
  };

  return (
    <>
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
          <p className="help" data-testid="token-scope">
            {t('tunnel.api.scope')}
          </p>
        </>
      )}
      <div className="field">
        <label htmlFor="cloudflare-token">{t('tunnel.api.tokenLabel')}</label>
        <input
          id="cloudflare-token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={props.token}
          onChange={(e) => props.onToken(e.target.value)}
        />
        <p className="help">{t('tunnel.api.tokenHelp')}</p>
      </div>
      <button type="button" className="button" onClick={() => fireAndReport(verify(), 'verifying the token')} disabled={verifying || props.token.trim() === ''}>
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
      {reach > 1 && (
        <div className="notice notice-warn" data-testid="broad-token">
          <p className="notice-title">{t('tunnel.api.broadTitle', { count: reach })}</p>
          <p>{t('tunnel.api.broadBody')}</p>
        </div>
      )}
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
    </>
  );
}

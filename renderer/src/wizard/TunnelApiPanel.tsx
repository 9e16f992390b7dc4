/**
 * The API-token mode of the tunnel step: the token (CloudflareTokenField: Cloudflare's pre-filled
 * token page, paste, verify — nothing is created), then an active domain and the public host
 * name. A pending domain says which name servers to set; a missing permission is named before
 * anything is made; a token Cloudflare refuses is said so.
 */
import { useTranslation } from 'react-i18next';
import type { TunnelTokenCheck } from '../../../electron/shared/contract';
import { CloudflareTokenField } from './CloudflareTokenField';
import { zoneFor, type TunnelChoice } from './tunnel-choice';

type ApiChoice = Extract<TunnelChoice, { mode: 'api' }>;

export function TunnelApiPanel(props: { choice: ApiChoice; publicHost: string; onChange: (choice: TunnelChoice) => void }) {
  const { t } = useTranslation();
  const { choice } = props;

  const checked = (check: TunnelTokenCheck | null): void => {
    if (check === null) {
      props.onChange({ ...choice, zones: null });
      return;
    }
    const active = check.zones.filter((z) => z.status === 'active');
    const zone = zoneFor(props.publicHost, active) ?? active[0] ?? check.zones[0];
    props.onChange({ ...choice, zones: check.missing.length === 0 ? check.zones : null, zone: zone?.name ?? '' });
  };

  const zone = choice.zones?.find((z) => z.name === choice.zone);
  return (
    <div className="tunnel-panel">
      <CloudflareTokenField token={choice.apiToken} onToken={(apiToken) => props.onChange({ ...choice, apiToken, zones: null })} onChecked={checked} />
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

/** What to enter in Cloudflare's dashboard for a tunnel the user made there (token mode), in order. */
import { useTranslation } from 'react-i18next';
import type { TunnelRoute } from '../../../electron/shared/contract';

export function TunnelRoutes(props: { routes: TunnelRoute[] }) {
  const { t } = useTranslation();
  return (
    <div className="notice notice-info" data-testid="tunnel-routes">
      <p className="notice-title">{t('tunnel.routes.title')}</p>
      <p>{t('tunnel.routes.where')}</p>
      <table className="routes">
        <thead>
          <tr>
            <th scope="col">{t('tunnel.routes.hostname')}</th>
            <th scope="col">{t('tunnel.routes.path')}</th>
            <th scope="col">{t('tunnel.routes.service')}</th>
          </tr>
        </thead>
        <tbody>
          {props.routes.map((r, i) => (
            <tr key={i}>
              <td>
                <code>{r.hostname}</code>
              </td>
              <td>{r.path !== undefined ? <code>{r.path}</code> : null}</td>
              <td>
                <code>{r.service}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>{t('tunnel.routes.hostHeader')}</p>
    </div>
  );
}

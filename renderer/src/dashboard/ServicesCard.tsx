/** Each service's container state and health, as Docker reports it (re-read when a state event arrives). */
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { fireAndReport } from '../lib/report';
import { useApp } from '../store/context';

export function ServicesCard(props: { name: string }) {
  const { t } = useTranslation();
  const status = useApp((s) => s.statuses[props.name]);
  const loadStatus = useApp((s) => s.loadStatus);
  return (
    <section className="card" aria-labelledby="services-title">
      <h2 id="services-title">{t('services.title')}</h2>
      {status === undefined || status.status === 'loading' ? (
        <Loading />
      ) : status.status === 'error' ? (
        <ErrorNotice error={status.error} onRetry={() => fireAndReport(loadStatus(props.name), 'reading the services')} />
      ) : status.value.services.length === 0 ? (
        <p className="empty">{t('services.none')}</p>
      ) : (
        <table className="services">
          <thead>
            <tr>
              <th scope="col">{t('services.service')}</th>
              <th scope="col">{t('services.state')}</th>
              <th scope="col">{t('services.health')}</th>
            </tr>
          </thead>
          <tbody>
            {status.value.services.map((s) => (
              <tr key={s.name} data-service={s.name} data-state={s.state}>
                <td>
                  <code>{s.name}</code>
                </td>
                <td className={`svc-${s.state}`}>{t(`container.${s.state}`, { defaultValue: s.state })}</td>
                <td className={`health-${s.health}`}>{t(`health.${s.health}`, { defaultValue: s.health })}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

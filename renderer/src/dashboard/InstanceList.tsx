/** The instances, each with its live state; the chosen one is open in the dashboard. Below: a new server, or one restored from a backup file. */
import { useTranslation } from 'react-i18next';
import { StateBadge } from '../components/StateBadge';
import { useApp } from '../store/context';

export function InstanceList(props: { current: string }) {
  const { t } = useTranslation();
  const instances = useApp((s) => s.instances);
  const show = useApp((s) => s.show);
  return (
    <nav className="instance-list" aria-label={t('dashboard.servers')}>
      <h2 className="section-title">{t('dashboard.servers')}</h2>
      <ul>
        {instances.map((i) => (
          <li key={i.name}>
            <button
              type="button"
              className={i.name === props.current ? 'current' : ''}
              aria-current={i.name === props.current ? 'page' : undefined}
              onClick={() => show({ screen: 'dashboard', instance: i.name })}
            >
              <span className="instance-name">{i.name}</span>
              <span className="muted">{i.domain}</span>
              <StateBadge state={i.state} />
            </button>
          </li>
        ))}
      </ul>
      <button type="button" className="button button-quiet" onClick={() => show({ screen: 'wizard' })}>
        {t('dashboard.newServer')}
      </button>
      <button type="button" className="button button-quiet" onClick={() => show({ screen: 'restore' })}>
        {t('restoreFile.action')}
      </button>
    </nav>
  );
}

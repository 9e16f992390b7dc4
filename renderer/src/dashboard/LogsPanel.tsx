/**
 * Live logs: the last lines of every service (or one), then each new line as Docker writes it,
 * pushed over the API (`instances.logs.subscribe`). The search filters what is shown, here.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { fireAndReport } from '../lib/report';
import { useApp } from '../store/context';
import { valueOf } from '../store/loadable';

export function LogsPanel(props: { name: string }) {
  const { t } = useTranslation();
  const [service, setService] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const logs = useApp((s) => s.logs);
  const openLogs = useApp((s) => s.openLogs);
  const closeLogs = useApp((s) => s.closeLogs);
  const services = valueOf(useApp((s) => s.statuses[props.name]))?.services.map((s) => s.name) ?? [];
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    fireAndReport(openLogs(props.name, service), 'following the logs');
  }, [openLogs, props.name, service]);
  useEffect(() => () => fireAndReport(closeLogs(), 'closing the logs'), [closeLogs]);

  const lines = useMemo(() => {
    const all = logs?.instance === props.name ? logs.lines : [];
    const q = query.trim().toLowerCase();
    return q === '' ? all : all.filter((l) => l.line.toLowerCase().includes(q) || l.service.toLowerCase().includes(q));
  }, [logs, props.name, query]);

  // keep the newest line in view unless the user scrolled up to read
  const stick = useRef(true);
  useEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  return (
    <section className="card logs" aria-labelledby="logs-title">
      <h2 id="logs-title">{t('logs.title')}</h2>
      <div className="logs-tools">
        <label>
          <span>{t('logs.service')}</span>
          <select value={service ?? ''} onChange={(e) => setService(e.target.value === '' ? null : e.target.value)}>
            <option value="">{t('logs.allServices')}</option>
            {services.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label className="grow">
          <span>{t('logs.search')}</span>
          <input type="search" value={query} placeholder={t('logs.searchPlaceholder')} onChange={(e) => setQuery(e.target.value)} />
        </label>
        <span className="muted" aria-live="polite">
          {logs?.status === 'live' ? t('logs.live') : logs?.status === 'ended' ? t('logs.ended') : ''}
        </span>
      </div>
      {logs === null || logs.status === 'loading' ? (
        <Loading />
      ) : logs.status === 'error' && logs.error ? (
        <ErrorNotice error={logs.error} onRetry={() => fireAndReport(openLogs(props.name, service), 'following the logs')} />
      ) : (
        <div
          className="log-box"
          ref={box}
          tabIndex={0}
          role="log"
          aria-label={t('logs.title')}
          onScroll={(e) => {
            const el = e.currentTarget;
            stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
          }}
        >
          {lines.length === 0 ? (
            <p className="empty">{query.trim() === '' ? t('logs.empty') : t('logs.noMatch')}</p>
          ) : (
            lines.map((l, i) => (
              <div key={i} className={`log-line log-${l.stream}`}>
                <span className="log-service">{l.service}</span>
                <span className="log-text">{l.line}</span>
              </div>
            ))
          )}
        </div>
      )}
    </section>
  );
}

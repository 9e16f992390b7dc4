/**
 * The server's last 7 days as a strip of colored stretches (up, starting, down, PC asleep or Engawa
 * not running), with a legend, the downtime summed and how long it has been up, and below it the
 * watchdog's last actions with their reasons (WatchActions). Asked when the card
 * appears and when the server's state changes (the history is recorded by the core).
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, InstanceHistory, InstanceState } from '../../../electron/shared/contract';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { toApiError } from '../lib/errors';
import { useApi } from '../store/context';
import { stripOf, summaryOf, UPTIME_KINDS, type Duration } from './uptime-strip';
import { WatchActions } from './WatchActions';

export function UptimeStrip(props: { name: string; state: InstanceState }) {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const [history, setHistory] = useState<InstanceHistory | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  const load = useCallback(() => {
    let stale = false;
    setError(null);
    api.call('instances.history', { name: props.name }).then(
      (value) => !stale && setHistory(value),
      (e: unknown) => !stale && setError(toApiError(e)),
    );
    return () => {
      stale = true;
    };
  }, [api, props.name]);

  useEffect(() => load(), [load, props.state]);

  const duration = (d: Duration): string => t(`uptime.duration.${d.unit}`, { n: d.n });
  const time = (iso: string): string => new Date(iso).toLocaleString(i18n.language, { dateStyle: 'short', timeStyle: 'short' });

  let body;
  if (error) body = <ErrorNotice error={error} onRetry={load} />;
  else if (history === null) body = <Loading />;
  else {
    const summary = summaryOf(history);
    const downText = summary.down === null ? t('uptime.noDown') : t('uptime.down', { duration: duration(summary.down) });
    body = (
      <>
        <div className="uptime-strip" role="img" aria-label={t('uptime.strip', { summary: downText })} data-testid="uptime-strip">
          {stripOf(history).map((bar) => (
            <span
              key={`${bar.from}-${bar.kind}`}
              className={`uptime-bar uptime-${bar.kind}`}
              data-kind={bar.kind}
              style={{ left: `${bar.left}%`, width: `${bar.width}%` }}
              title={t('uptime.segment', { kind: t(`uptime.kind.${bar.kind}`), from: time(bar.from), to: time(bar.to) })}
            />
          ))}
        </div>
        <ul className="uptime-legend" aria-label={t('uptime.legend')}>
          {UPTIME_KINDS.map((kind) => (
            <li key={kind}>
              <span className={`uptime-swatch uptime-${kind}`} aria-hidden="true" />
              {t(`uptime.kind.${kind}`)}
            </li>
          ))}
        </ul>
        <p data-testid="uptime-down">{downText}</p>
        {summary.upFor !== null && <p data-testid="uptime-up">{t('uptime.upFor', { duration: duration(summary.upFor) })}</p>}
        {summary.unknown !== null && <p className="muted">{t('uptime.unknownFor', { duration: duration(summary.unknown) })}</p>}
        <WatchActions actions={history.actions ?? []} />
      </>
    );
  }

  return (
    <section className="card uptime-card" aria-labelledby={`uptime-${props.name}`}>
      <h2 id={`uptime-${props.name}`}>{t('uptime.title')}</h2>
      {body}
    </section>
  );
}

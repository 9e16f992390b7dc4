/**
 * CPU and memory of the instance's services, with a short history as small charts; below them
 * the disk its volumes use (DiskUse).
 *
 * When it asks: every STATS_INTERVAL_MS, but only while this card is on screen, the page is
 * visible (not minimised, not closed to the tray) and the instance runs; the next sample is
 * asked for only after the previous answer, so slow answers never pile up. A chart needs a
 * series, so an explicit refresh alone would show a single point; a sample costs one Docker
 * stats read per container and nothing at all while nobody looks.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, InstanceState, ServiceStats } from '../../../electron/shared/contract';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { Sparkline } from '../components/Sparkline';
import { DiskUse } from './DiskUse';
import { toApiError } from '../lib/errors';
import { formatBytes, formatPercent } from '../lib/format';
import { fireAndReport } from '../lib/report';
import { useApi } from '../store/context';

export const STATS_INTERVAL_MS = 5000;
/** Samples kept for the charts (five minutes at the interval above). */
const HISTORY = 60;

/** True while the page is visible to the user. */
function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState === 'visible');
  useEffect(() => {
    const update = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}

interface Sample {
  cpu: number;
  memory: number;
  services: ServiceStats[];
}

export function ResourcesCard(props: { name: string; state: InstanceState }) {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const visible = usePageVisible();
  const [samples, setSamples] = useState<Sample[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const live = props.state === 'running' || props.state === 'degraded';

  useEffect(() => setSamples([]), [props.name]);

  useEffect(() => {
    if (!visible || !live) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const sample = async (): Promise<void> => {
      try {
        const services = await api.call('instances.stats', { name: props.name });
        if (stopped) return;
        setError(null);
        const cpu = services.reduce((n, s) => n + s.cpuPercent, 0);
        const memory = services.reduce((n, s) => n + s.memoryBytes, 0);
        setSamples((old) => [...old.slice(-(HISTORY - 1)), { cpu, memory, services }]);
      } catch (e) {
        if (!stopped) setError(toApiError(e));
      }
      if (!stopped) timer = setTimeout(() => fireAndReport(sample(), 'reading the stats'), STATS_INTERVAL_MS);
    };
    fireAndReport(sample(), 'reading the stats');
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [api, props.name, visible, live]);

  const last = samples.at(-1);
  const lng = i18n.language;
  return (
    <section className="card" aria-labelledby="resources-title">
      <h2 id="resources-title">{t('resources.title')}</h2>
      {!live ? (
        <p className="empty">{t('resources.notRunning')}</p>
      ) : error ? (
        <ErrorNotice error={error} />
      ) : last === undefined ? (
        <Loading />
      ) : (
        <>
          <div className="meters">
            <div className="meter">
              <span className="meter-label">{t('resources.cpu')}</span>
              <span className="meter-value" data-testid="cpu-total">
                {formatPercent(last.cpu, lng)}
              </span>
              <Sparkline values={samples.map((s) => s.cpu)} label={t('resources.cpuChart')} />
            </div>
            <div className="meter">
              <span className="meter-label">{t('resources.memory')}</span>
              <span className="meter-value" data-testid="memory-total">
                {formatBytes(last.memory, lng)}
              </span>
              <Sparkline values={samples.map((s) => s.memory)} label={t('resources.memoryChart')} />
            </div>
          </div>
          <table className="services">
            <thead>
              <tr>
                <th scope="col">{t('services.service')}</th>
                <th scope="col">{t('resources.cpu')}</th>
                <th scope="col">{t('resources.memory')}</th>
              </tr>
            </thead>
            <tbody>
              {last.services.map((s) => (
                <tr key={s.service}>
                  <td>
                    <code>{s.service}</code>
                  </td>
                  <td>{formatPercent(s.cpuPercent, lng)}</td>
                  <td>{formatBytes(s.memoryBytes, lng)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="help">{t('resources.when', { seconds: STATS_INTERVAL_MS / 1000 })}</p>
        </>
      )}
      <DiskUse name={props.name} state={props.state} />
    </section>
  );
}

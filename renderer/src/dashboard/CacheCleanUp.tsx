/**
 * The cache clean-up on the disk card (`instances.maintenance`, `instances.clean`): the cache's
 * size, how many days other servers' media are kept (1–365), the last and next daily run, what
 * "Clean now" removes, and the button. Tasks the admin must do in the server's own admin pages
 * (Misskey) are shown as instructions; a stack with nothing to prune (the PDS) says why. When a
 * clean-up of this server ends (this button's, the daily one's or the disk guard's), `onCleaned`
 * runs so the card measures the disk again.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, CleanRunInfo, MaintenanceInfo } from '../../../electron/shared/contract';
import { ErrorNotice } from '../components/ErrorNotice';
import { toApiError } from '../lib/errors';
import { formatBytes } from '../lib/format';
import { useApi } from '../store/context';

type Lang = 'en' | 'ja';

export function CacheCleanUp(props: { name: string; cacheBytes: number | null; onCleaned: () => void }) {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const { name, onCleaned } = props;
  const lng = i18n.language;
  const lang: Lang = lng.startsWith('ja') ? 'ja' : 'en';
  const [info, setInfo] = useState<MaintenanceInfo | null>(null);
  const [days, setDays] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const [opId, setOpId] = useState<string | null>(null);
  const [result, setResult] = useState<{ before: number; after: number } | null>(null);

  const load = useCallback(() => {
    api.call('instances.maintenance', { name }).then(
      (i) => {
        setInfo(i);
        setDays(String(i.days));
      },
      (e: unknown) => setError(toApiError(e)),
    );
  }, [api, name]);
  useEffect(() => load(), [load]);

  // any clean-up of this server that ends: read the numbers again
  useEffect(() => {
    const ended = (e: { op: string; instance: string; opId: string }) => {
      if (e.op !== 'clean' || e.instance !== name) return;
      if (e.opId === opId) setOpId(null);
      load();
      onCleaned();
    };
    const offs = [
      api.on('op.done', (e) => {
        if (e.opId === opId && typeof e.result?.cacheBytesBefore === 'number' && typeof e.result.cacheBytesAfter === 'number') {
          setResult({ before: e.result.cacheBytesBefore, after: e.result.cacheBytesAfter });
        }
        ended(e);
      }),
      api.on('op.failed', (e) => {
        if (e.opId === opId) setError(e.error);
        ended(e);
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [api, name, opId, load, onCleaned]);

  if (info === null) return error ? <ErrorNotice error={error} onRetry={load} /> : null;

  const runnable = info.tasks.filter((t) => t.kind === 'exec');
  const manual = info.tasks.filter((t) => t.kind === 'admin-ui');
  const when = (iso: string) => new Date(iso).toLocaleString(lng, { dateStyle: 'medium', timeStyle: 'short' });

  const save = () => {
    setError(null);
    setSaved(false);
    api.call('instances.maintenance.set', { name, days: Number(days) }).then(
      (i) => {
        setInfo(i);
        setSaved(true);
      },
      (e: unknown) => setError(toApiError(e)),
    );
  };
  const clean = () => {
    setError(null);
    setResult(null);
    api.call('instances.clean', { name }).then(
      (r) => setOpId(r.opId),
      (e: unknown) => setError(toApiError(e)),
    );
  };

  return (
    <div className="cache-clean" data-testid="cache-clean">
      <h4>{t('resources.disk.clean.title')}</h4>
      {props.cacheBytes !== null && (
        <p className="meter">
          <span className="meter-label">{t('resources.disk.clean.cacheSize')}</span>
          <span className="meter-value" data-testid="cache-size" data-bytes={props.cacheBytes}>
            {formatBytes(props.cacheBytes, lng)}
          </span>
        </p>
      )}
      {info.note && <p className="help">{info.note[lang]}</p>}
      {runnable.length > 0 && (
        <>
          <div className="field-row">
            <label>
              {t('resources.disk.clean.days')}{' '}
              <input type="number" min={1} max={365} value={days} onChange={(e) => setDays(e.target.value)} data-testid="clean-days" />{' '}
              {t('resources.disk.clean.daysUnit')}
            </label>{' '}
            <button type="button" className="button" onClick={save} disabled={days === String(info.days)}>
              {t('resources.disk.clean.save')}
            </button>
            {saved && <span role="status"> {t('resources.disk.clean.saved')}</span>}
          </div>
          {info.nextRunAt !== null && (
            <p className="muted" data-testid="clean-next">
              {t('resources.disk.clean.daily', { time: info.dailyAt })}{' '}
              {Date.parse(info.nextRunAt) <= Date.now() ? t('resources.disk.clean.nextDue') : t('resources.disk.clean.next', { when: when(info.nextRunAt) })}
            </p>
          )}
          <p className="muted" data-testid="clean-last">
            {info.lastRun === null
              ? t('resources.disk.clean.never')
              : t('resources.disk.clean.last', { when: when(info.lastRun.at), result: lastResult(info.lastRun, t, lng) })}
          </p>
          <p>{t('resources.disk.clean.willRemove')}</p>
          <ul className="clean-tasks">
            {runnable.map((task) => (
              <li key={task.id} data-task={task.id}>
                {task.removes[lang]} <code>{task.command}</code>
              </li>
            ))}
          </ul>
          <button type="button" className="button" onClick={clean} disabled={opId !== null}>
            {opId !== null ? t('resources.disk.clean.running') : t('resources.disk.clean.now')}
          </button>
          {result && (
            <p role="status" data-testid="clean-result">
              {t('resources.disk.clean.done', { before: formatBytes(result.before, lng), after: formatBytes(result.after, lng) })}
            </p>
          )}
        </>
      )}
      {manual.length > 0 && (
        <>
          <p>{t('resources.disk.clean.manual')}</p>
          <ul className="clean-tasks">
            {manual.map((task) => (
              <li key={task.id} data-task={task.id}>
                {task.where?.[lang]} ({task.removes[lang]})
              </li>
            ))}
          </ul>
        </>
      )}
      {error && <ErrorNotice error={error} />}
    </div>
  );
}

function lastResult(run: CleanRunInfo, t: (key: string, opts?: Record<string, string>) => string, lng: string): string {
  if (run.outcome === 'skipped') return t('resources.disk.clean.lastSkipped');
  if (run.outcome === 'failed') return t('resources.disk.clean.lastFailed', { error: run.error ?? '' });
  if (run.cacheBytesBefore === null || run.cacheBytesAfter === null) return t('resources.disk.clean.lastDoneUnmeasured');
  return t('resources.disk.clean.lastDone', { freed: formatBytes(Math.max(0, run.cacheBytesBefore - run.cacheBytesAfter), lng) });
}

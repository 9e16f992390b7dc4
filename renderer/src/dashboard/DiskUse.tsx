/**
 * The disk the instance's volumes use, each marked with what a backup does with it (caches are
 * left out of backups by default and fetched again). Docker measures every volume to answer, so
 * it is asked when the card appears, when the instance's state changes, on "Refresh", and when a
 * cache clean-up of the server ends (CacheCleanUp, which shows the cache and "Clean now").
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, InstanceDiskUse, InstanceState } from '../../../electron/shared/contract';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { toApiError } from '../lib/errors';
import { formatBytes } from '../lib/format';
import { useApi } from '../store/context';
import { CacheCleanUp } from './CacheCleanUp';

export function DiskUse(props: { name: string; state: InstanceState }) {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const [disk, setDisk] = useState<InstanceDiskUse | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const lng = i18n.language;

  const load = useCallback(() => {
    let stale = false;
    setError(null);
    api.call('instances.disk', { name: props.name }).then(
      (value) => !stale && setDisk(value),
      (e: unknown) => !stale && setError(toApiError(e)),
    );
    return () => {
      stale = true;
    };
  }, [api, props.name]);

  // a state change (stopped, started, restored …) is when the numbers may have moved
  useEffect(() => load(), [load, props.state]);

  return (
    <div className="disk-use">
      <h3>{t('resources.disk.title')}</h3>
      {error ? (
        <ErrorNotice error={error} onRetry={load} />
      ) : disk === null ? (
        <Loading />
      ) : disk.volumes.length === 0 ? (
        <p className="empty">{t('resources.disk.none')}</p>
      ) : (
        <>
          <p className="meter">
            <span className="meter-label">{t('resources.disk.total')}</span>
            <span className="meter-value" data-testid="disk-total">
              {formatBytes(disk.totalBytes, lng)}
            </span>
          </p>
          <table className="services disk-volumes">
            <thead>
              <tr>
                <th scope="col">{t('resources.disk.volume')}</th>
                <th scope="col">{t('resources.disk.size')}</th>
                <th scope="col">{t('resources.disk.backup')}</th>
              </tr>
            </thead>
            <tbody>
              {disk.volumes.map((v) => (
                <tr key={v.volume} data-volume={v.key} data-backup={v.backup}>
                  <td>
                    <code>{v.key}</code>
                  </td>
                  <td>{v.bytes === null ? t('resources.disk.unknown') : formatBytes(v.bytes, lng)}</td>
                  <td>{t(`resources.disk.kind.${v.backup}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {disk.volumes.some((v) => v.backup === 'cache') && <p className="help">{t('resources.disk.cacheHelp')}</p>}
          <button type="button" className="button" onClick={load}>
            {t('resources.disk.refresh')}
          </button>
          <CacheCleanUp name={props.name} cacheBytes={cacheBytesOf(disk)} onCleaned={load} />
        </>
      )}
    </div>
  );
}

/** The size of the cache volumes (null when there are none, or one was not measured). */
function cacheBytesOf(disk: InstanceDiskUse): number | null {
  const caches = disk.volumes.filter((v) => v.backup === 'cache');
  if (caches.length === 0 || caches.some((v) => v.bytes === null)) return null;
  return caches.reduce((n, v) => n + (v.bytes ?? 0), 0);
}

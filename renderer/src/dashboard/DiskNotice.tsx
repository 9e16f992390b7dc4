/**
 * A notice on the dashboard when a disk Engawa watches is low (the core's disk guard measures
 * Docker's disk and the backup folder's): which place, how much is free, and what Engawa did about
 * it — cleaned the servers' caches, stopped servers cleanly to protect their databases, started
 * them again once space was back — and "Clean up now" for the server shown (`instances.clean`, the
 * stack's own clean-up of its caches). Nothing is shown while every place has room.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DiskStatusInfo } from '../../../electron/shared/contract';
import { formatBytes } from '../lib/format';
import { useApi } from '../store/context';
import { DISK_DEED_KINDS, diskNotice, type DiskDeed } from './disk-notice';

/** `name`: the server the dashboard shows (its clean-up is what "Clean up now" runs); `running`: whether it runs. */
export function DiskNotice(props: { name: string; running: boolean }) {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const [status, setStatus] = useState<DiskStatusInfo | null>(null);
  const [deeds, setDeeds] = useState<DiskDeed[]>([]);
  const [clean, setClean] = useState<{ opId: string | null; failed?: string; done?: boolean } | null>(null);
  const cleanOp = clean?.opId ?? null;
  useEffect(() => {
    if (cleanOp === null) return;
    const offDone = api.on('op.done', (e) => e.opId === cleanOp && setClean({ opId: null, done: true }));
    const offFailed = api.on('op.failed', (e) => e.opId === cleanOp && setClean({ opId: null, failed: e.error.message }));
    return () => {
      offDone();
      offFailed();
    };
  }, [api, cleanOp]);

  useEffect(() => {
    let live = true;
    api.call('system.disk').then(
      (s) => live && setStatus(s),
      () => {}, // not measured (Docker away): nothing to say
    );
    const offStatus = api.on('disk.changed', (s) => {
      setStatus(s);
      // every place has room again: the clean-ups and stops are over; a start is still worth saying
      if (s.level === 'ok' && s.stoppedByGuard.length === 0) setDeeds((d) => d.filter((x) => x.kind === 'disk-start'));
    });
    const offActions = api.on('watch.action', (a) => {
      if (DISK_DEED_KINDS.has(a.kind)) setDeeds((d) => [...d, { kind: a.kind, instance: a.instance, at: a.at }]);
    });
    return () => {
      live = false;
      offStatus();
      offActions();
    };
  }, [api]);

  const view = diskNotice(status, deeds);
  if (view === null) return null;
  const size = (n: number) => formatBytes(n, i18n.language);
  const cleanNow = () => {
    setClean({ opId: null });
    api.call('instances.clean', { name: props.name }).then(
      ({ opId }) => setClean({ opId }),
      (e: unknown) => setClean({ opId: null, failed: e instanceof Error ? e.message : String(e) }),
    );
  };
  const cleaning = clean !== null && clean.failed === undefined && clean.done !== true;

  return (
    <div className={`notice notice-${view.tone}`} role={view.tone === 'ok' ? 'status' : 'alert'} data-testid="disk-notice">
      <p className="notice-title">{t(view.title)}</p>
      {view.places.map((p) => (
        <p key={`${p.place}:${p.path ?? ''}`} data-testid={`disk-place-${p.place}`}>
          {p.place === 'docker'
            ? t('diskGuard.placeDocker', { free: size(p.freeBytes), total: size(p.totalBytes) })
            : t('diskGuard.placeBackups', { path: p.path ?? '', free: size(p.freeBytes), total: size(p.totalBytes) })}
        </p>
      ))}
      {view.did.map((d) => (
        <p key={d.key} data-testid="disk-did">
          {t(d.key, { names: d.names.join(', ') })}
        </p>
      ))}
      {view.offerClean && <p>{t('diskGuard.offerClean')}</p>}
      {view.offerClean && props.running && (
        <div className="actions">
          <button type="button" className="button" onClick={cleanNow} disabled={cleaning} data-testid="disk-clean-now">
            {cleaning ? t('diskGuard.cleaning') : t('diskGuard.cleanNow', { name: props.name })}
          </button>
        </div>
      )}
      {clean?.done === true && <p role="status">{t('diskGuard.cleanDone', { name: props.name })}</p>}
      {clean?.failed !== undefined && <p lang="en">{t('diskGuard.cleanFailed', { message: clean.failed })}</p>}
    </div>
  );
}

/**
 * A server's updates on its dashboard, from `updates.list`: the release it runs and the one it can
 * update to (a security release said so), the release notes, the expected downtime and download;
 * Update (asking the backup passphrase when none is kept, as the Backups tab does), its steps live
 * while it runs, then the result with the downtime. After an update: go back (what would be lost
 * shown first, then a confirm) or keep the version. A failed update that went back by itself is
 * told in one sentence, with the failing service's last lines behind Details. Below: how the server
 * takes new releases (UpdatePolicy: tell me, or install security updates by themselves).
 */
import { PassphraseHint } from '../backups/PassphraseHint';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, InstanceSummary, InstanceUpdateInfo, RollbackPreviewInfo } from '../../../electron/shared/contract';
import { useBackupOp } from '../backups/useBackupOp';
import { ErrorNotice } from '../components/ErrorNotice';
import { ProgressView } from '../components/ProgressView';
import { toApiError } from '../lib/errors';
import { formatBytes } from '../lib/format';
import { useApi, useApp } from '../store/context';
import { runningOpOf } from '../store/ops';
import { RollbackConfirm } from './RollbackConfirm';
import { RolledBackNotice } from './RolledBackNotice';
import { UpdatePolicy } from './UpdatePolicy';
import { dataMovesOf, durationOf, passphraseNeeded, releaseNotes, rolledBack, updateBlocked, updateOffer } from './update-card';

export function UpdateCard(props: { instance: InstanceSummary }) {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const { instance } = props;
  const { name } = instance;
  const [info, setInfo] = useState<InstanceUpdateInfo | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [passphrase, setPassphrase] = useState('');
  const [opId, setOpId] = useState<string | null>(null);
  const [preview, setPreview] = useState<RollbackPreviewInfo | null>(null);
  const [kept, setKept] = useState<string | null>(null);
  const running = useApp((s) => runningOpOf(s.ops, name));
  const steps = useApp((s) => (opId === null ? undefined : s.ops[opId]));

  const load = useCallback(() => {
    api.call('updates.list').then(
      (list) => setInfo(list.find((i) => i.name === name) ?? null),
      (e: unknown) => setError(toApiError(e)),
    );
  }, [api, name]);
  useEffect(load, [load]);
  // an update or rollback already running (another window, a reloaded page): follow it
  useEffect(() => {
    if (opId === null && (running?.op === 'update' || running?.op === 'rollback')) setOpId(running.opId);
  }, [running, opId]);
  const op = useBackupOp(opId, load);

  const busy = running !== undefined || op?.status === 'running';
  const date = (iso: string) => new Date(iso).toLocaleString(i18n.language);
  const duration = (seconds: number) => {
    const d = durationOf(seconds);
    return t(d.key, { n: d.n.toLocaleString(i18n.language) });
  };

  const start = (call: () => Promise<{ opId: string }>) => {
    setError(null);
    setKept(null);
    setPreview(null);
    call().then(
      (r) => setOpId(r.opId),
      (e: unknown) => setError(toApiError(e)),
    );
    setPassphrase('');
  };
  const given = () => (passphrase === '' ? {} : { passphrase });
  const update = () => start(() => api.call('updates.run', { name, ...given() }));
  const rollback = () => start(() => api.call('updates.rollback', { name, ...given() }));
  const askRollback = () => {
    setError(null);
    api.call('updates.rollbackPreview', { name }).then(setPreview, (e: unknown) => setError(toApiError(e)));
  };
  const keep = () => {
    setError(null);
    const version = info?.rollback?.updatedTo ?? info?.current ?? '';
    api.call('updates.confirm', { name }).then(
      () => {
        setKept(version);
        load();
      },
      (e: unknown) => setError(toApiError(e)),
    );
  };

  if (info === null) {
    return (
      <section className="card" aria-labelledby="update-title" data-testid="update-card">
        <h2 id="update-title">{t('serverUpdate.title')}</h2>
        {error ? <ErrorNotice error={error} /> : <p className="muted">{t('serverUpdate.checking')}</p>}
      </section>
    );
  }

  const offer = updateOffer(info);
  const blocked = updateBlocked(offer, instance.state, info.passphraseKept, passphrase, busy);
  const failed = op?.error ?? null;
  const wentBack = failed && rolledBack(failed);
  const kind = steps?.op === 'rollback' ? 'rollback' : 'update';
  const last = info.rollback;
  const asksPassphrase = !info.passphraseKept && (offer.kind === 'available' || offer.kind === 'unfinished' || last !== undefined);
  const moves = dataMovesOf(info);
  const earlier = instance.lastError?.code === 'ROLLED_BACK' && op === null ? instance.lastError : null;

  return (
    <section className="card update-card" aria-labelledby="update-title" data-testid="update-card" data-offer={offer.kind}>
      <h2 id="update-title">{t('serverUpdate.title')}</h2>
      {offer.kind === 'upToDate' && (
        <p className="update-current" data-testid="update-up-to-date">
          {offer.newest === undefined
            ? t('serverUpdate.upToDate', { version: offer.current })
            : t('serverUpdate.noPath', { version: offer.current, newest: offer.newest })}
        </p>
      )}
      {offer.kind === 'unknown' && (
        <div className="notice notice-warn" data-testid="update-unknown">
          <p>{t('serverUpdate.unknown', { version: info.current })}</p>
          <details className="notice-detail">
            <summary>{t('common.details')}</summary>
            <p lang="en">{offer.error.message}</p>
          </details>
        </div>
      )}
      {offer.kind === 'unfinished' && <p className="notice notice-warn">{t('serverUpdate.unfinished', { version: offer.to })}</p>}
      {offer.kind === 'available' && (
        <>
          <p className="update-versions" data-testid="update-versions">
            <span className="update-from">{offer.from}</span> → <strong className="update-to">{offer.to}</strong>{' '}
            {offer.security && (
              <span className="tag tag-security" data-testid="update-security">
                {t('serverUpdate.security')}
              </span>
            )}
          </p>
          {offer.security && <p>{t('serverUpdate.securityHelp')}</p>}
          <ul className="update-facts">
            {releaseNotes(info).map((n) => (
              <li key={n.version}>
                <a href={n.url} target="_blank" rel="noreferrer noopener" data-testid="update-notes">
                  {t('serverUpdate.notes', { version: n.version })}
                </a>
              </li>
            ))}
            <li data-testid="update-downtime">{t('serverUpdate.downtime', { duration: duration(info.downtimeS) })}</li>
            <li>
              {info.downloadBytes > 0
                ? t('serverUpdate.download', { size: formatBytes(info.downloadBytes, i18n.language) })
                : t('serverUpdate.downloadUnknown')}
            </li>
            {moves.length > 0 && <li>{t('serverUpdate.dataMove', { volumes: moves.join(', ') })}</li>}
          </ul>
          <p className="muted">{t('serverUpdate.backupFirst')}</p>
        </>
      )}

      {last !== undefined && !busy && (
        <div className="notice notice-info" data-testid="update-rollback-offer">
          <p>{t('serverUpdate.lastUpdate', { from: last.to, to: last.updatedTo, date: date(last.at) })}</p>
          <p>{t('serverUpdate.offer', { version: last.to })}</p>
          <button type="button" className="button" onClick={askRollback} disabled={preview !== null}>
            {t('serverUpdate.goBack', { version: last.to })}
          </button>
          <button type="button" className="button" onClick={keep}>
            {t('serverUpdate.keep')}
          </button>
        </div>
      )}
      {kept !== null && <p className="notice notice-ok">{t('serverUpdate.kept', { version: kept })}</p>}

      {asksPassphrase && (
        <div className="field">
          <label htmlFor="update-passphrase">{offer.kind === 'available' ? t('serverUpdate.passphrase') : t('serverUpdate.rollbackPassphrase')}</label>
          <input id="update-passphrase" type="password" autoComplete="new-password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
          {offer.kind === 'available' && <PassphraseHint passphrase={passphrase} />}
          <p className="muted">{t('serverUpdate.passphraseHelp')}</p>
        </div>
      )}

      {preview !== null && last !== undefined && (
        <RollbackConfirm preview={preview} onConfirm={rollback} onCancel={() => setPreview(null)} disabled={busy || (asksPassphrase && passphrase === '')} />
      )}

      {(offer.kind === 'available' || offer.kind === 'unfinished') && (
        <>
          <button type="button" className="button button-primary" onClick={update} disabled={blocked !== null}>
            {offer.kind === 'available' ? t('serverUpdate.update', { version: offer.to }) : t('serverUpdate.finish')}
          </button>
          {blocked === 'notRunning' && <p className="muted">{t('serverUpdate.notRunning')}</p>}
        </>
      )}

      {op !== null && (
        <div className="update-op" aria-live="polite" data-testid="update-op" data-status={op.status}>
          {/* the result once the list read after the end tells it */}
          {op.status === 'done' && kind === 'update' && last !== undefined && last.updatedTo === info.current && (
            <p className="notice notice-ok" data-testid="update-done">
              {t('serverUpdate.done', { version: last.updatedTo, duration: duration(last.downtimeMs / 1000) })}
            </p>
          )}
          {op.status === 'done' && kind === 'rollback' && last === undefined && (
            <p className="notice notice-ok" data-testid="update-done">
              {t('serverUpdate.rolledBackDone', { version: info.current })}
            </p>
          )}
          {wentBack && failed && <RolledBackNotice error={failed} facts={wentBack} />}
          {failed &&
            !wentBack &&
            (passphraseNeeded(failed) ? <p className="notice notice-warn">{t('serverUpdate.passphraseNeeded')}</p> : <ErrorNotice error={failed} />)}
          {op.status === 'running' ? (
            <>
              <p>
                {kind === 'rollback' ? t('serverUpdate.goingBack', { version: last?.to ?? '' }) : t('serverUpdate.running', { version: info.target ?? '' })}
              </p>
              {op.bytes && (
                <p>
                  {op.bytes.total > 0
                    ? t('backups.bytesOf', { current: formatBytes(op.bytes.current, i18n.language), total: formatBytes(op.bytes.total, i18n.language) })
                    : t('backups.bytes', { current: formatBytes(op.bytes.current, i18n.language) })}
                </p>
              )}
              {steps && <ProgressView op={steps} />}
            </>
          ) : (
            steps && (
              <details className="notice-detail" open={op.status === 'failed'}>
                <summary>{t('serverUpdate.showSteps')}</summary>
                <ProgressView op={steps} />
              </details>
            )
          )}
        </div>
      )}
      {offer.kind !== 'unknown' && <UpdatePolicy name={name} passphraseKept={info.passphraseKept} onSaved={load} />}
      {earlier && <RolledBackNotice error={{ code: earlier.code, message: earlier.message }} facts={null} />}
      {error && (passphraseNeeded(error) ? <p className="notice notice-warn">{t('serverUpdate.passphraseNeeded')}</p> : <ErrorNotice error={error} />)}
    </section>
  );
}

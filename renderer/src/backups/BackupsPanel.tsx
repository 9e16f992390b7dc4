/**
 * The Backups tab of one instance: make a backup (the passphrase is asked once and kept by the
 * core, never here), its byte progress, the list with each file's size and check / drill result,
 * verify or drill a file, restore one after saying plainly what is replaced, confirm a restore,
 * and the schedule.
 */
import { PassphraseHint } from './PassphraseHint';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, BackupInfo, BackupList, InstanceSummary } from '../../../electron/shared/contract';
import { ErrorNotice } from '../components/ErrorNotice';
import { ProgressView } from '../components/ProgressView';
import { formatBytes } from '../lib/format';
import { toApiError } from '../lib/errors';
import { useApi, useApp } from '../store/context';
import { RestoreConfirm } from './RestoreConfirm';
import { ScheduleForm } from './ScheduleForm';
import { useBackupOp } from './useBackupOp';

/** The shortest backup passphrase the core accepts (backup/passphrase.ts). */
const MIN_PASSPHRASE = 12;

/** `askPassphrase`: opened to ask for the backup passphrase (the tray's Back up now found none kept): the field gets the focus. */
export function BackupsPanel(props: { instance: InstanceSummary; askPassphrase?: boolean }) {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const { name } = props.instance;
  const [list, setList] = useState<BackupList | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [passphrase, setPassphrase] = useState('');
  const [opId, setOpId] = useState<string | null>(null);
  const [opFile, setOpFile] = useState<string | null>(null);
  const [checked, setChecked] = useState<Record<string, 'ok' | 'failed'>>({});
  const [restoring, setRestoring] = useState<BackupInfo | null>(null);
  const steps = useApp((s) => (opId === null ? undefined : s.ops[opId]));

  const load = useCallback(() => {
    api.call('backups.list', { name }).then(setList, (e: unknown) => setError(toApiError(e)));
  }, [api, name]);
  useEffect(load, [load]);

  const op = useBackupOp(opId, (ok) => {
    if (opFile !== null) setChecked((c) => ({ ...c, [opFile]: ok ? 'ok' : 'failed' }));
    load();
  });
  const busy = op?.status === 'running';

  const start = (call: () => Promise<{ opId: string }>, file: string | null) => {
    setError(null);
    setOpFile(file);
    call().then(
      (r) => setOpId(r.opId),
      (e: unknown) => setError(toApiError(e)),
    );
  };
  const backUp = () => {
    const given = passphrase === '' ? {} : { passphrase };
    start(() => api.call('backups.create', { name, ...given }), null);
    setPassphrase('');
  };
  const verify = (b: BackupInfo, drill: boolean) => start(() => api.call('backups.verify', { file: b.file, drill }), b.file);
  const confirmRestore = () => {
    setError(null);
    api.call('backups.confirmRestore', { name }).then(load, (e: unknown) => setError(toApiError(e)));
  };

  const date = (iso: string) => new Date(iso).toLocaleString(i18n.language);
  const result = (b: BackupInfo): string => {
    if (b.drill) return b.drill.ok ? t('backups.drillOk', { date: date(b.drill.at) }) : t('backups.drillFailed', { date: date(b.drill.at) });
    if (checked[b.file] === 'ok') return t('backups.checkedOk');
    if (checked[b.file] === 'failed') return t('backups.checkedFailed');
    return t('backups.notChecked');
  };

  return (
    <div className="grid">
      <section className="card" aria-labelledby="backups-title">
        <h2 id="backups-title">{t('backups.title')}</h2>
        <p className="muted">{t('backups.intro')}</p>
        {list !== null && list.beforeRestore.length > 0 && (
          <div className="notice notice-warn">
            <p>{t('backups.restoredNotice')}</p>
            <button type="button" className="button" onClick={confirmRestore} disabled={busy}>
              {t('backups.confirmRestore')}
            </button>
          </div>
        )}
        <div className="field">
          <label htmlFor="backup-passphrase">{list?.passphraseSet ? t('backups.passphraseChange') : t('backups.passphrase')}</label>
          <input
            id="backup-passphrase"
            type="password"
            autoComplete="new-password"
            autoFocus={props.askPassphrase === true}
            value={passphrase}
            onChange={(e) => setPassphrase(e.target.value)}
          />
          <PassphraseHint passphrase={passphrase} />
          <p className="muted">{list?.passphraseSet ? t('backups.passphraseKept') : t('backups.passphraseHelp')}</p>
        </div>
        <button
          type="button"
          className="button button-primary"
          onClick={backUp}
          disabled={busy || list === null || (!list.passphraseSet && passphrase.length < MIN_PASSPHRASE)}
        >
          {t('backups.create')}
        </button>
        {list !== null && <p className="muted">{t('backups.folder', { folder: list.folder })}</p>}
        {op !== null && (
          <div className="backup-op" aria-live="polite">
            {op.bytes && (
              <p>
                {op.bytes.total > 0
                  ? t('backups.bytesOf', { current: formatBytes(op.bytes.current, i18n.language), total: formatBytes(op.bytes.total, i18n.language) })
                  : t('backups.bytes', { current: formatBytes(op.bytes.current, i18n.language) })}
              </p>
            )}
            {steps && <ProgressView op={steps} />}
            {op.status === 'done' && <p className="notice notice-ok">{t('backups.opDone')}</p>}
            {op.error && <ErrorNotice error={op.error} />}
          </div>
        )}
        {error && <ErrorNotice error={error} />}
      </section>

      <section className="card" aria-labelledby="backups-list-title">
        <h2 id="backups-list-title">{t('backups.listTitle')}</h2>
        {list !== null && list.backups.length === 0 ? (
          <p className="empty">{t('backups.none')}</p>
        ) : (
          <table className="backups-table">
            <thead>
              <tr>
                <th>{t('backups.made')}</th>
                <th>{t('backups.size')}</th>
                <th>{t('backups.result')}</th>
                <th>{t('backups.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {(list?.backups ?? []).map((b) => (
                <tr key={b.file} data-file={b.fileName}>
                  <td>{date(b.createdAt)}</td>
                  <td>{formatBytes(b.bytes, i18n.language)}</td>
                  <td className="backup-result">{result(b)}</td>
                  <td>
                    <button type="button" className="button" onClick={() => verify(b, false)} disabled={busy}>
                      {t('backups.verify')}
                    </button>
                    <button type="button" className="button" onClick={() => verify(b, true)} disabled={busy}>
                      {t('backups.drill')}
                    </button>
                    <button type="button" className="button" onClick={() => setRestoring(b)} disabled={busy}>
                      {t('backups.restore')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {restoring !== null && (
          <RestoreConfirm
            instance={props.instance}
            backup={restoring}
            onCancel={() => setRestoring(null)}
            onConfirm={() => {
              const file = restoring.file;
              setRestoring(null);
              start(() => api.call('backups.restore', { file, name }), null);
            }}
          />
        )}
      </section>

      <ScheduleForm name={name} passphraseSet={list?.passphraseSet === true} />
    </div>
  );
}

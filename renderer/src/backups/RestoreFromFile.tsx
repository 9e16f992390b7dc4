/**
 * "Restore a server from a backup file", reached from the first screen and the server list: the
 * way a backup comes back on a new computer. Pick the file (its path typed — a browser page cannot
 * learn a local path — or, in the desktop app, the system's file chooser), enter its passphrase,
 * see what it holds once the whole file is checked (an operation with byte progress that can be
 * stopped; nothing has changed yet), then restore with
 * progress and land on that server's dashboard. The passphrase stays in this screen's memory and
 * opens this file only: the core is told not to keep it for later backups.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, BackupPreview } from '../../../electron/shared/contract';
import { ProgressView } from '../components/ProgressView';
import { toApiError } from '../lib/errors';
import { formatBytes } from '../lib/format';
import { fireAndReport } from '../lib/report';
import { useApi, useApp } from '../store/context';
import { newOp } from '../store/ops';
import { BackupFileError } from './BackupFileError';
import { cleanPath, noFileChooser, restoreInput, type RestoreForm } from './restore-file';
import { RestorePreview } from './RestorePreview';
import { useBackupOp } from './useBackupOp';

const emptyForm = (name: string): RestoreForm => ({ name, apiToken: '', apiCheck: null, tunnelToken: '' });

export function RestoreFromFile() {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const shell = useApp((s) => s.info?.shell);
  const instances = useApp((s) => s.instances);
  const show = useApp((s) => s.show);
  const refreshInstances = useApp((s) => s.refreshInstances);
  const [file, setFile] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [chooserGone, setChooserGone] = useState(false);
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [preview, setPreview] = useState<BackupPreview | null>(null);
  const [form, setForm] = useState<RestoreForm>(emptyForm(''));
  const [starting, setStarting] = useState(false);
  const [restoring, setRestoring] = useState<{ opId: string; name: string } | null>(null);
  const storeOp = useApp((s) => (restoring === null ? undefined : s.ops[restoring.opId]));
  const op = useBackupOp(restoring?.opId ?? null, (ok) => {
    if (!ok || restoring === null) return;
    const { name } = restoring;
    fireAndReport(
      refreshInstances().then(() => show({ screen: 'dashboard', instance: name })),
      'opening the restored server',
    );
  });

  const leave = (): void => {
    const first = instances[0];
    show(first === undefined ? { screen: 'wizard' } : { screen: 'dashboard', instance: first.name });
  };

  const choose = async (): Promise<void> => {
    setError(null);
    try {
      const chosen = await api.call('backups.chooseFile');
      if (chosen.file !== null) setFile(chosen.file);
    } catch (e) {
      const err = toApiError(e);
      if (noFileChooser(err)) setChooserGone(true);
      else setError(err);
    }
  };

  // checking the file is an operation of its own (every checksum of the whole file): bytes shown, cancellable
  // (its end and answer from the store, which heard them even if they came before this screen listened; bytes from the hook)
  const [inspecting, setInspecting] = useState<string | null>(null);
  const inspected = useBackupOp(inspecting, () => {});
  const inspectEnd = useApp((s) => (inspecting === null ? undefined : s.ops[inspecting]));
  useEffect(() => {
    if (inspectEnd === undefined || inspectEnd.status === 'running') return;
    setInspecting(null);
    setChecking(false);
    const found = inspectEnd.result?.preview;
    if (inspectEnd.status === 'done' && found !== undefined) {
      setPreview(found);
      setForm(emptyForm(found.name));
    } else if (inspectEnd.error && inspectEnd.error.code !== 'CANCELLED') {
      setError(inspectEnd.error);
    }
  }, [inspectEnd]);

  const check = async (): Promise<void> => {
    setChecking(true);
    setError(null);
    try {
      setInspecting((await api.call('backups.inspect', { file: cleanPath(file), passphrase })).opId);
    } catch (e) {
      setError(toApiError(e));
      setChecking(false);
    }
  };

  const stopChecking = (): void => {
    if (inspecting === null) return;
    api.call('ops.cancel', { opId: inspecting }).catch((e: unknown) => setError(toApiError(e)));
  };

  const restore = async (): Promise<void> => {
    if (preview === null) return;
    setStarting(true);
    setError(null);
    try {
      const input = restoreInput(preview, passphrase, form, instances);
      const { opId } = await api.call('backups.restore', input);
      setRestoring({ opId, name: input.name ?? preview.name });
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setStarting(false);
    }
  };

  if (restoring !== null) {
    const view = storeOp ?? newOp(restoring.opId, 'restore', restoring.name);
    const failed = op?.status === 'failed';
    return (
      <div className="wizard restore-file">
        <section className="card" aria-labelledby="restore-file-title">
          <h1 id="restore-file-title">{failed ? t('restoreFile.failedTitle') : t('restoreFile.restoring', { name: restoring.name })}</h1>
          {op?.bytes && (
            <p aria-live="polite">
              {op.bytes.total > 0
                ? t('backups.bytesOf', { current: formatBytes(op.bytes.current, i18n.language), total: formatBytes(op.bytes.total, i18n.language) })
                : t('restoreFile.bytesRead', { current: formatBytes(op.bytes.current, i18n.language) })}
            </p>
          )}
          <ProgressView op={view} />
          {op?.status === 'done' && <p className="notice notice-ok">{t('restoreFile.done', { name: restoring.name })}</p>}
          {failed && op.error && (
            <>
              <BackupFileError error={op.error} />
              <p className="help">{t('restoreFile.failedSafe')}</p>
              <div className="step-nav">
                <button type="button" className="button button-quiet" onClick={() => setRestoring(null)}>
                  {t('wizard.back')}
                </button>
              </div>
            </>
          )}
        </section>
      </div>
    );
  }

  return (
    <div className="wizard restore-file">
      <div className="wizard-head">
        <span />
        <button type="button" className="button button-quiet" onClick={leave}>
          {t('wizard.cancel')}
        </button>
      </div>
      <section className="card" aria-labelledby="restore-file-title">
        <h1 id="restore-file-title">{t('restoreFile.title')}</h1>
        {preview === null ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              fireAndReport(check(), 'checking the backup');
            }}
          >
            <p className="lead">{t('restoreFile.intro')}</p>
            <div className="field">
              <label htmlFor="restore-file">{t('restoreFile.file.label')}</label>
              <div className="file-row">
                <input id="restore-file" type="text" autoComplete="off" spellCheck={false} value={file} onChange={(e) => setFile(e.target.value)} />
                {shell === 'electron' && !chooserGone && (
                  <button type="button" className="button" onClick={() => fireAndReport(choose(), 'choosing a file')}>
                    {t('restoreFile.file.choose')}
                  </button>
                )}
              </div>
              <p className="help">{shell === 'electron' && !chooserGone ? t('restoreFile.file.helpDesktop') : t('restoreFile.file.helpBrowser')}</p>
            </div>
            <div className="field">
              <label htmlFor="restore-passphrase">{t('restoreFile.passphrase.label')}</label>
              <input id="restore-passphrase" type="password" autoComplete="off" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
              <p className="help">{t('restoreFile.passphrase.help')}</p>
            </div>
            {checking && (
              <div className="restore-checking" role="status" data-testid="restore-checking">
                <p className="muted">{t('restoreFile.checking')}</p>
                {inspected?.bytes && (
                  <p className="muted">
                    {inspected.bytes.total > 0
                      ? t('backups.bytesOf', {
                          current: formatBytes(inspected.bytes.current, i18n.language),
                          total: formatBytes(inspected.bytes.total, i18n.language),
                        })
                      : t('restoreFile.bytesRead', { current: formatBytes(inspected.bytes.current, i18n.language) })}
                  </p>
                )}
                {inspecting !== null && (
                  <button type="button" className="button button-quiet" onClick={stopChecking}>
                    {t('restoreFile.stopChecking')}
                  </button>
                )}
              </div>
            )}
            {error && <BackupFileError error={error} />}
            <div className="step-nav">
              <span />
              <button type="submit" className="button button-primary" disabled={checking || cleanPath(file) === '' || passphrase === ''}>
                {t('restoreFile.check')}
              </button>
            </div>
          </form>
        ) : (
          <RestorePreview
            preview={preview}
            form={form}
            instances={instances}
            onForm={(patch) => setForm((f) => ({ ...f, ...patch }))}
            onBack={() => {
              setPreview(null);
              setError(null);
            }}
            onRestore={() => fireAndReport(restore(), 'restoring')}
            starting={starting}
            error={error}
          />
        )}
      </section>
    </div>
  );
}

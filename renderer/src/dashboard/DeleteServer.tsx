/**
 * The danger zone of an instance: Delete, which removes its containers and its data for good. The
 * user types the server's exact name to confirm (a backup first is suggested); the destroy runs as
 * an operation, and when it ends the store's instance list moves the page to another server or the
 * wizard.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, InstanceSummary } from '../../../electron/shared/contract';
import { ErrorNotice } from '../components/ErrorNotice';
import { toApiError } from '../lib/errors';
import { useApp } from '../store/context';
import { runningOpOf } from '../store/ops';
import { confirmsDeletion } from './delete-confirm';

export function DeleteServer(props: { instance: InstanceSummary; onBackups: () => void }) {
  const { t } = useTranslation();
  const { name } = props.instance;
  const runOp = useApp((s) => s.runOp);
  const running = useApp((s) => runningOpOf(s.ops, name));
  const failed = useApp((s) =>
    Object.values(s.ops)
      .filter((o) => o.instance === name && o.op === 'destroy')
      .at(-1),
  );
  const [asking, setAsking] = useState(false);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const deleting = running?.op === 'destroy';

  const destroy = () => {
    setError(null);
    runOp('destroy', name).catch((e: unknown) => setError(toApiError(e)));
  };

  return (
    <section className="card danger-zone" aria-labelledby="danger-title">
      <h2 id="danger-title">{t('danger.title')}</h2>
      <p>{t('danger.intro')}</p>
      {!asking ? (
        <button type="button" className="button button-danger" onClick={() => setAsking(true)} disabled={running !== undefined}>
          {t('danger.delete')}
        </button>
      ) : (
        <form
          className="notice notice-warn"
          onSubmit={(e) => {
            e.preventDefault();
            if (confirmsDeletion(typed, name)) destroy();
          }}
        >
          <p className="notice-title">{t('danger.confirmTitle', { name })}</p>
          <p>{t('danger.gone')}</p>
          <p>
            {t('danger.backupFirst')}{' '}
            <button type="button" className="button" onClick={props.onBackups}>
              {t('danger.toBackups')}
            </button>
          </p>
          <div className="field">
            <label htmlFor="delete-confirm">{t('danger.typeName', { name })}</label>
            <input id="delete-confirm" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} disabled={deleting} />
          </div>
          <div className="choice-row">
            <button type="submit" className="button button-danger" disabled={!confirmsDeletion(typed, name) || running !== undefined}>
              {t('danger.confirm')}
            </button>
            <button
              type="button"
              className="button"
              disabled={deleting}
              onClick={() => {
                setAsking(false);
                setTyped('');
              }}
            >
              {t('danger.cancel')}
            </button>
          </div>
          {deleting && <p role="status">{t('dashboard.opRunning.destroy')}</p>}
        </form>
      )}
      {error && <ErrorNotice error={error} />}
      {!error && failed?.status === 'failed' && failed.error && <ErrorNotice error={failed.error} />}
    </section>
  );
}

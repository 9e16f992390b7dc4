/** Says plainly what going back from the last update does and loses (from `updates.rollbackPreview`), and asks before it starts. */
import { useTranslation } from 'react-i18next';
import type { RollbackPreviewInfo } from '../../../electron/shared/contract';
import { lostRows } from './update-card';

export function RollbackConfirm(props: { preview: RollbackPreviewInfo; onConfirm: () => void; onCancel: () => void; disabled: boolean }) {
  const { t, i18n } = useTranslation();
  const { preview } = props;
  const date = new Date(preview.backupAt).toLocaleString(i18n.language);
  const lost = lostRows(preview);
  return (
    <div className="notice notice-warn rollback-confirm" role="alertdialog" aria-labelledby="rollback-title" data-testid="rollback-confirm">
      <p className="notice-title" id="rollback-title">
        {t('serverUpdate.previewTitle', { version: preview.to })}
      </p>
      <p>{t('serverUpdate.previewBackup', { version: preview.to, date })}</p>
      {lost.length === 0 ? (
        <p data-testid="rollback-nothing-lost">{t('serverUpdate.previewNothing')}</p>
      ) : (
        <>
          <p>{t('serverUpdate.previewLost')}</p>
          <ul data-testid="rollback-lost">
            {lost.map((l) => (
              <li key={l.table}>
                {l.added === null
                  ? t('serverUpdate.previewUnknown', { table: l.table })
                  : t('serverUpdate.previewRows', { table: l.table, n: l.added.toLocaleString(i18n.language) })}
              </li>
            ))}
          </ul>
        </>
      )}
      <button type="button" className="button button-danger" onClick={props.onConfirm} disabled={props.disabled}>
        {t('serverUpdate.confirmGoBack', { version: preview.to })}
      </button>
      <button type="button" className="button" onClick={props.onCancel}>
        {t('serverUpdate.cancel')}
      </button>
    </div>
  );
}

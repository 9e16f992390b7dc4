/** Says plainly what a restore replaces, and asks before it starts. */
import { useTranslation } from 'react-i18next';
import type { BackupInfo, InstanceSummary } from '../../../electron/shared/contract';

export function RestoreConfirm(props: { instance: InstanceSummary; backup: BackupInfo; onConfirm: () => void; onCancel: () => void }) {
  const { t, i18n } = useTranslation();
  const { instance, backup } = props;
  const date = new Date(backup.createdAt).toLocaleString(i18n.language);
  return (
    <div className="notice notice-warn restore-confirm" role="alertdialog" aria-labelledby="restore-title">
      <p className="notice-title" id="restore-title">
        {t('backups.restoreTitle', { name: instance.name })}
      </p>
      <ul>
        <li>{t('backups.restoreReplaces', { name: instance.name, date })}</li>
        <li>{t('backups.restoreLost', { date })}</li>
        <li>{t('backups.restoreKeeps', { domain: instance.domain })}</li>
        <li>{t('backups.restoreSafety')}</li>
      </ul>
      <button type="button" className="button button-danger" onClick={props.onConfirm}>
        {t('backups.restoreConfirm')}
      </button>
      <button type="button" className="button" onClick={props.onCancel}>
        {t('backups.cancel')}
      </button>
    </div>
  );
}

/**
 * Why a backup file was refused, in the user's words: a wrong passphrase, a file that is not a
 * backup, a damaged or incomplete one, one made by a newer Engawa … (restore-file.ts picks the
 * entry); other errors (Docker, the disk) get the generic notice. The core's sentence is the detail.
 */
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../../../electron/shared/contract';
import { ErrorNotice } from '../components/ErrorNotice';
import { backupErrorKey } from './restore-file';

export function BackupFileError(props: { error: ApiError }) {
  const { t } = useTranslation();
  const key = backupErrorKey(props.error);
  if (key === null) return <ErrorNotice error={props.error} />;
  return (
    <div className="notice notice-error" role="alert" data-testid="backup-file-error" data-reason={key}>
      <p className="notice-title">{t(`restoreFile.error.${key}.title`)}</p>
      <p>{t(`restoreFile.error.${key}.body`)}</p>
      <details className="notice-detail">
        <summary>{t('common.details')}</summary>
        <p lang="en">{props.error.message}</p>
      </details>
    </div>
  );
}

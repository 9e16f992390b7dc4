/** An API error for people: a translated headline, what to do, and the core's own sentence. */
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../../../electron/shared/contract';
import { errorKeys } from '../lib/errors';

export function ErrorNotice(props: { error: ApiError; onRetry?: () => void; retryLabel?: string }) {
  const { t } = useTranslation();
  const keys = errorKeys(props.error.code);
  return (
    <div className="notice notice-error" role="alert">
      <p className="notice-title">{t(keys.title)}</p>
      <p>{t(keys.action)}</p>
      <details className="notice-detail">
        <summary>{t('common.details')}</summary>
        <p lang="en">{props.error.message}</p>
      </details>
      {props.onRetry && (
        <button type="button" className="button" onClick={props.onRetry}>
          {props.retryLabel ?? t('common.retry')}
        </button>
      )}
    </div>
  );
}

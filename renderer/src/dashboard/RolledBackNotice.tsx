/**
 * An update that failed and went back by itself (ROLLED_BACK): one sentence in the user's language
 * (which release failed, which service, that the server is back as it was), and behind Details the
 * failing service's last log lines and the core's own sentence. `facts` null: only the recorded
 * message is known (the server's last error, after a reload).
 */
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../../../electron/shared/contract';
import type { rolledBack } from './update-card';

export function RolledBackNotice(props: { error: ApiError; facts: ReturnType<typeof rolledBack> }) {
  const { t } = useTranslation();
  const { facts } = props;
  const sentence =
    facts === null
      ? t('serverUpdate.rolledBackEarlier')
      : facts.service !== undefined
        ? t('serverUpdate.rolledBack', { from: facts.from, to: facts.to, service: facts.service })
        : t('serverUpdate.rolledBackNoService', { from: facts.from, to: facts.to });
  return (
    <div className="notice notice-warn" role="alert" data-testid="update-rolled-back">
      <p className="notice-title">{t('errors.ROLLED_BACK.title')}</p>
      <p>{sentence}</p>
      <details className="notice-detail">
        <summary>{t('common.details')}</summary>
        {facts !== null && facts.lines.length > 0 && (
          <>
            <p>{t('serverUpdate.lastLines', { service: facts.service ?? '' })}</p>
            <pre className="update-log" data-testid="update-last-lines">
              {facts.lines.join('\n')}
            </pre>
          </>
        )}
        {facts?.logFile !== undefined && <p>{t('serverUpdate.logFile', { file: facts.logFile })}</p>}
        <p lang="en">{props.error.message}</p>
      </details>
    </div>
  );
}

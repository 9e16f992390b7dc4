/**
 * Under the uptime strip: the watchdog's last actions on this server (from its recorded history),
 * newest first — when, what it did, and why — so a restart in the night is not a mystery in the
 * morning. The reason is the core's own sentence, shown as recorded.
 */
import { useTranslation } from 'react-i18next';
import type { HistoryActionInfo } from '../../../electron/shared/contract';

const KNOWN = new Set([
  'restart',
  'give-up',
  'recheck',
  'skip',
  'engine-down',
  'engine-back',
  'disk-warning',
  'disk-critical',
  'disk-clean',
  'disk-stop',
  'disk-start',
]);

export function WatchActions(props: { actions: readonly HistoryActionInfo[] }) {
  const { t, i18n } = useTranslation();
  const time = (iso: string): string => new Date(iso).toLocaleString(i18n.language, { dateStyle: 'short', timeStyle: 'short' });
  return (
    <div className="watch-actions">
      <h3>{t('uptime.actions.title')}</h3>
      {props.actions.length === 0 ? (
        <p className="muted" data-testid="watch-actions-none">
          {t('uptime.actions.none')}
        </p>
      ) : (
        <ol data-testid="watch-actions">
          {props.actions.map((a) => (
            <li key={`${a.at}-${a.kind}`} data-kind={a.kind}>
              <time dateTime={a.at}>{time(a.at)}</time> <strong>{KNOWN.has(a.kind) ? t(`uptime.actions.kind.${a.kind}`) : a.kind}</strong>
              <span className="watch-action-reason">{a.reason}</span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

/**
 * The result of an outside-in check as a checklist: the summary and the time of the check, then each
 * item with its mark and label, a failed item's fix in the user's language, and behind "Details"
 * the core's own sentence and what was asked and answered (status, content type, the start of the
 * body, secrets already redacted by the core).
 */
import { useTranslation } from 'react-i18next';
import type { CheckItemInfo, CheckResultInfo } from '../../../electron/shared/contract';
import { itemView, ordered, type ItemTone } from './check-view';

const MARK: Record<ItemTone, string> = { pass: '✓', fail: '✗', unknown: '?', note: 'i' };

function Item(props: { item: CheckItemInfo }) {
  const { t, i18n } = useTranslation();
  const { item } = props;
  const view = itemView(item, (key) => i18n.exists(key));
  const d = item.details;
  return (
    <li className={`check-item check-${view.tone}`} data-testid="check-item" data-id={item.id} data-pass={String(item.pass)}>
      <span className="check-mark" aria-hidden="true">
        {MARK[view.tone]}
      </span>
      <div className="check-body">
        <p className="check-label">{t(view.label.key, view.label.values)}</p>
        {view.tone === 'fail' || view.tone === 'note' ? (
          <p className="check-advice" data-testid="check-advice">
            {view.advice !== null ? t(view.advice) : <span lang="en">{item.message}</span>}
          </p>
        ) : view.tone === 'unknown' ? (
          <p className="muted">{t('check.unknown')}</p>
        ) : null}
        <details className="notice-detail" data-testid="check-details">
          <summary>{t('common.details')}</summary>
          <p lang="en">{item.message}</p>
          {d.request !== null && (
            <dl className="check-exchange">
              <dt>{t('check.request')}</dt>
              <dd>
                <code>
                  {d.request.method} {d.request.url}
                </code>{' '}
                ({t(`check.as.${d.request.as}`)})
              </dd>
              <dt>{t('check.answer')}</dt>
              <dd>
                {d.status === null ? t('check.noAnswer') : `HTTP ${d.status}`}
                {d.contentType !== null && `, ${d.contentType}`}
              </dd>
            </dl>
          )}
          {d.bodyExcerpt !== null && d.bodyExcerpt !== '' && <pre className="check-excerpt">{d.bodyExcerpt}</pre>}
        </details>
      </div>
    </li>
  );
}

export function CheckList(props: { result: CheckResultInfo }) {
  const { t, i18n } = useTranslation();
  const { result } = props;
  return (
    <div className="check-result" data-testid="check-result" data-ok={String(result.ok)}>
      <p className={result.ok ? 'notice notice-ok' : 'notice notice-warn'} data-testid="check-summary">
        {result.ok ? t('check.ok', { url: result.publicUrl ?? '' }) : t('check.failed', { count: result.counts.failed })}
      </p>
      <p className="muted">
        {t('check.checkedAt', { date: new Date(result.checkedAt).toLocaleString(i18n.language) })} ·{' '}
        {t('check.counts', { passed: result.counts.passed, failed: result.counts.failed, unknown: result.counts.unknown })}
      </p>
      <ul className="check-items">
        {ordered(result.items).map((item) => (
          <Item key={item.id} item={item} />
        ))}
      </ul>
    </div>
  );
}

/**
 * "Can the world reach it?": the outside-in check of a server on its dashboard (`checks.last`, then
 * "Check now" → `checks.run`). The daily check's result arrives by itself (`check.done`). A PDS whose
 * relay does not know an account offers "Ask the relay to crawl" (`checks.requestCrawl`).
 * `autoRun`: check at once when there is no result yet (the create flow's last screen).
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, CheckResultInfo } from '../../../electron/shared/contract';
import { ErrorNotice } from '../components/ErrorNotice';
import { toApiError } from '../lib/errors';
import { useApi } from '../store/context';
import { offersCrawl } from './check-view';
import { CheckList } from './CheckList';

export function CheckCard(props: { name: string; autoRun?: boolean; justCreated?: boolean }) {
  const { t } = useTranslation();
  const api = useApi();
  const { name } = props;
  const [result, setResult] = useState<CheckResultInfo | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [crawled, setCrawled] = useState(false);

  const run = useCallback(() => {
    setError(null);
    setRunning(true);
    setCrawled(false);
    api
      .call('checks.run', { name })
      .then(setResult, (e: unknown) => setError(toApiError(e)))
      .finally(() => setRunning(false));
  }, [api, name]);

  useEffect(() => {
    let live = true;
    api.call('checks.last', { name }).then(
      (last) => {
        if (!live) return;
        setResult(last);
        setLoaded(true);
        if (last === null && props.autoRun === true) run();
      },
      (e: unknown) => live && setError(toApiError(e)),
    );
    // the daily check (or another window's) ends: show it
    const off = api.on('check.done', (e) => {
      if (e.name !== name) return;
      api.call('checks.last', { name }).then(
        (last) => live && setResult(last),
        () => {},
      );
    });
    return () => {
      live = false;
      off();
    };
  }, [api, name, props.autoRun, run]);

  const crawl = () => {
    setError(null);
    api.call('checks.requestCrawl', { name }).then(
      () => setCrawled(true),
      (e: unknown) => setError(toApiError(e)),
    );
  };

  return (
    <section className="card check-card" aria-labelledby={`check-title-${name}`} data-testid="check-card" data-running={String(running)}>
      <h2 id={`check-title-${name}`}>{t('check.title')}</h2>
      <p className="muted">{t('check.intro')}</p>
      {running ? (
        <p aria-live="polite" data-testid="check-running">
          {t('check.running')}
        </p>
      ) : result !== null ? (
        <CheckList result={result} />
      ) : loaded ? (
        <p className="muted">{t('check.never')}</p>
      ) : null}
      {props.justCreated === true && result !== null && !result.ok && <p className="muted">{t('check.whatIsNew')}</p>}
      <div className="actions">
        <button type="button" className="button" onClick={run} disabled={running}>
          {t('check.run')}
        </button>
        {result !== null && offersCrawl(result) && !running && (
          <button type="button" className="button" onClick={crawl} disabled={crawled}>
            {t('check.crawl')}
          </button>
        )}
      </div>
      {crawled && <p className="notice notice-ok">{t('check.crawlAsked')}</p>}
      {!running && <p className="muted">{t('check.daily')}</p>}
      {error && <ErrorNotice error={error} />}
    </section>
  );
}

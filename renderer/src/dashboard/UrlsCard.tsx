/** Where the server answers: on this computer, and on the internet once a tunnel exists. */
import { useTranslation } from 'react-i18next';
import type { InstanceSummary } from '../../../electron/shared/contract';
import { CopyButton } from '../components/CopyButton';

export function UrlsCard(props: { instance: InstanceSummary }) {
  const { t } = useTranslation();
  const { localUrl, publicUrl } = props.instance;
  return (
    <section className="card" aria-labelledby="urls-title">
      <h2 id="urls-title">{t('urls.title')}</h2>
      <dl className="urls">
        <dt>{t('urls.local')}</dt>
        <dd>
          {localUrl ? (
            <>
              <a href={localUrl} target="_blank" rel="noreferrer noopener" data-testid="dashboard-local-url">
                {localUrl}
              </a>{' '}
              <CopyButton text={localUrl} />
            </>
          ) : (
            <span className="muted">{t('urls.noLocal')}</span>
          )}
        </dd>
        <dt>{t('urls.public')}</dt>
        <dd>
          {publicUrl ? (
            <>
              <a href={publicUrl} target="_blank" rel="noreferrer noopener" data-testid="dashboard-public-url">
                {publicUrl}
              </a>{' '}
              <CopyButton text={publicUrl} />
            </>
          ) : (
            <span className="muted">{t('urls.noPublic')}</span>
          )}
        </dd>
      </dl>
    </section>
  );
}

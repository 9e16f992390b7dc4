/**
 * The Backups tab. The backup feature adds `backups.*` to the contract (list, create, restore,
 * schedule); until then this says what is coming and what the command line offers.
 */
import { useTranslation } from 'react-i18next';

export function BackupsPanel() {
  const { t } = useTranslation();
  return (
    <section className="card" aria-labelledby="backups-title">
      <h2 id="backups-title">{t('backups.title')}</h2>
      <p className="empty">{t('backups.soon')}</p>
    </section>
  );
}

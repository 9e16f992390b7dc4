/**
 * Step 1: what Engawa is, and the language (saved in the settings, so the tray follows); for
 * someone who already has a backup (a new computer), the way to restore a server from its file.
 */
import { useTranslation } from 'react-i18next';
import { applyLanguage, LANGUAGES } from '../i18n';
import { fireAndReport } from '../lib/report';
import { useApp } from '../store/context';
import { StepNav } from './parts';

export function LanguageStep(props: { onNext: () => void }) {
  const { t, i18n } = useTranslation();
  const updateSettings = useApp((s) => s.updateSettings);
  const show = useApp((s) => s.show);
  return (
    <div className="welcome">
      <p className="tagline">{t('welcome.tagline')}</p>
      <h1>{t('welcome.heading')}</h1>
      <p className="lead">{t('welcome.body')}</p>
      <p className="note">{t('welcome.name')}</p>
      <h2 className="section-title">{t('wizard.language.title')}</h2>
      <div className="choice-row" role="group" aria-label={t('language.label')}>
        {LANGUAGES.map(({ code, label }) => (
          <button
            key={code}
            type="button"
            lang={code}
            className="choice"
            aria-pressed={i18n.resolvedLanguage === code}
            onClick={() => {
              fireAndReport(applyLanguage(code), 'switching the language');
              fireAndReport(updateSettings({ language: code }), 'saving the language');
            }}
          >
            {label}
          </button>
        ))}
      </div>
      <StepNav onNext={props.onNext} nextLabel={t('wizard.start')} />
      <div className="welcome-restore">
        <p className="muted">{t('restoreFile.haveBackup')}</p>
        <button type="button" className="button" onClick={() => show({ screen: 'restore' })}>
          {t('restoreFile.action')}
        </button>
      </div>
    </div>
  );
}

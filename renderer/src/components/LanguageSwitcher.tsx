/** Two buttons, each naming its language in itself; the choice is saved in the app's settings. */
import { useTranslation } from 'react-i18next';
import { applyLanguage, LANGUAGES, type Language } from '../i18n';
import { fireAndReport } from '../lib/report';
import { useApp } from '../store/context';

export function LanguageSwitcher() {
  const { t, i18n } = useTranslation();
  const updateSettings = useApp((s) => s.updateSettings);
  const choose = (code: Language): void => {
    fireAndReport(applyLanguage(code), 'switching the language'); // at once, even if saving has to wait for the connection
    fireAndReport(updateSettings({ language: code }), 'saving the language');
  };
  return (
    <div className="language-switcher" role="group" aria-label={t('language.label')}>
      {LANGUAGES.map(({ code, label }) => (
        <button key={code} type="button" lang={code} aria-pressed={i18n.resolvedLanguage === code} onClick={() => choose(code)}>
          {label}
        </button>
      ))}
    </div>
  );
}

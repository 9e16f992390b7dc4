/** The welcome page: what Engawa is, in the user's language, with a language switcher. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppInfo, EngawaTransport } from '../../electron/shared/contract';
import { changeLanguage, LANGUAGES } from './i18n';

/** The preload's `window.engawa` inside Electron; undefined in a plain browser. */
function getBridge(): EngawaTransport | undefined {
  return (window as Window & { engawa?: EngawaTransport }).engawa;
}

/** Two buttons, each naming its language in that language; the current one is pressed. */
function LanguageSwitcher() {
  const { t, i18n } = useTranslation();
  return (
    <div className="language-switcher" role="group" aria-label={t('language.label')}>
      {LANGUAGES.map(({ code, label }) => (
        <button
          key={code}
          type="button"
          lang={code}
          aria-pressed={i18n.resolvedLanguage === code}
          onClick={() => void changeLanguage(code)}
        >
          {label}
        </button>
      ))}
    </div>
  );
}

/** The app's version and platform, shown when running inside Electron. */
function useAppInfo(): AppInfo | null {
  const [info, setInfo] = useState<AppInfo | null>(null);
  useEffect(() => {
    let current = true;
    getBridge()
      ?.invoke('app.info')
      .then(
        (result) => current && result.ok && setInfo(result.value),
        (e: unknown) => console.warn('Engawa: could not read the app version', e),
      );
    return () => {
      current = false;
    };
  }, []);
  return info;
}

export function App() {
  const { t } = useTranslation();
  const info = useAppInfo();
  return (
    <div className="page">
      <header className="top-bar">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Engawa
        </span>
        <LanguageSwitcher />
      </header>
      <main className="welcome">
        <p className="tagline">{t('welcome.tagline')}</p>
        <h1>{t('welcome.heading')}</h1>
        <p className="lead">{t('welcome.body')}</p>
        <p className="note">{t('welcome.name')}</p>
      </main>
      {info !== null && (
        <footer className="footer">{t('footer.version', { version: info.version, platform: info.platform })}</footer>
      )}
    </div>
  );
}

/**
 * The app: the wizard when there is no server yet (or the user asks for a new one), else the
 * dashboard; the settings; the restore of a server from a backup file; a banner while the
 * browser-mode connection is lost. The language follows the settings (null: the system's).
 */
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from './components/ErrorNotice';
import { Loading } from './components/Loading';
import { TopBar } from './components/TopBar';
import { RestoreFromFile } from './backups/RestoreFromFile';
import { Dashboard } from './dashboard/Dashboard';
import { applyLanguage, browserLanguages, pickLanguage } from './i18n';
import { fireAndReport } from './lib/report';
import { useNetworkRecheck } from './lib/network';
import { SettingsPage } from './settings/SettingsPage';
import { useApp } from './store/context';
import { Wizard } from './wizard/Wizard';

/** Keeps the UI language in step with the settings. */
function useSettingsLanguage(): void {
  const language = useApp((s) => s.settings?.language);
  const info = useApp((s) => s.info);
  useEffect(() => {
    if (language === undefined) return; // settings not read yet: stay in the system language
    const system = info?.shell === 'electron' ? info.systemLanguages : browserLanguages();
    fireAndReport(applyLanguage(pickLanguage(language, system)), 'switching the language');
  }, [language, info]);
}

export function App() {
  const { t } = useTranslation();
  const boot = useApp((s) => s.boot);
  const view = useApp((s) => s.view);
  const connected = useApp((s) => s.connected);
  const info = useApp((s) => s.info);
  const init = useApp((s) => s.init);
  useSettingsLanguage();
  useNetworkRecheck(); // the network came back: the core re-checks the servers (lib/network.ts)

  return (
    <div className="page">
      <TopBar />
      {!connected && (
        <div className="banner" role="status">
          {t('app.reconnecting')}
        </div>
      )}
      <main className="main">
        {boot.status === 'loading' ? (
          <Loading />
        ) : boot.status === 'error' ? (
          <div className="card narrow">
            <h1>{t('app.cannotConnect')}</h1>
            <ErrorNotice error={boot.error} onRetry={() => fireAndReport(init(), 'connecting')} />
          </div>
        ) : view.screen === 'settings' ? (
          <SettingsPage />
        ) : view.screen === 'restore' ? (
          <RestoreFromFile />
        ) : view.screen === 'dashboard' ? (
          <Dashboard key={view.instance} name={view.instance} />
        ) : (
          <Wizard />
        )}
      </main>
      {info !== null && <footer className="footer">{t('footer.version', { version: info.version, platform: info.platform })}</footer>}
    </div>
  );
}

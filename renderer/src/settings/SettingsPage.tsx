/**
 * The app's settings: language (the tray and notifications follow it), launch at login,
 * desktop notifications and the disk guard's levels. Each change is saved at once through `settings.set`.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, AppSettings } from '../../../electron/shared/contract';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { applyLanguage, browserLanguages, LANGUAGES, pickLanguage } from '../i18n';
import { toApiError } from '../lib/errors';
import { useApp } from '../store/context';
import { DiskLevelsField } from './DiskLevelsField';

export function SettingsPage() {
  const { t } = useTranslation();
  const settings = useApp((s) => s.settings);
  const info = useApp((s) => s.info);
  const updateSettings = useApp((s) => s.updateSettings);
  const [error, setError] = useState<ApiError | null>(null);

  const save = (patch: Partial<AppSettings>): void => {
    setError(null);
    if (patch.language !== undefined) applyLanguage(pickLanguage(patch.language, browserLanguages())).catch((e: unknown) => setError(toApiError(e)));
    updateSettings(patch).catch((e: unknown) => setError(toApiError(e)));
  };

  if (settings === null) return <Loading />;
  return (
    <section className="card settings">
      <h1>{t('settings.title')}</h1>
      {error && <ErrorNotice error={error} />}
      <div className="field">
        <label htmlFor="language">{t('language.label')}</label>
        <select
          id="language"
          value={settings.language ?? ''}
          onChange={(e) => save({ language: e.target.value === '' ? null : (e.target.value as AppSettings['language']) })}
        >
          <option value="">{t('settings.languageSystem')}</option>
          {LANGUAGES.map((l) => (
            <option key={l.code} value={l.code} lang={l.code}>
              {l.label}
            </option>
          ))}
        </select>
        <p className="help">{t('settings.languageHelp')}</p>
      </div>
      <label className="check-label">
        <input type="checkbox" checked={settings.launchAtLogin} onChange={(e) => save({ launchAtLogin: e.target.checked })} />
        {t('settings.launchAtLogin')}
      </label>
      <p className="help">{t(info?.shell === 'browser' ? 'settings.desktopOnly' : 'settings.launchAtLoginHelp')}</p>
      <label className="check-label">
        <input type="checkbox" checked={settings.notifications} onChange={(e) => save({ notifications: e.target.checked })} />
        {t('settings.notifications')}
      </label>
      <p className="help">{t('settings.notificationsHelp')}</p>
      <DiskLevelsField value={settings.disk} onSave={(disk) => save({ disk })} />
    </section>
  );
}

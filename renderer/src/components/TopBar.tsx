/** The bar at the top: Engawa's name, the way to the settings, and the language switcher. */
import { useTranslation } from 'react-i18next';
import { useApp } from '../store/context';
import { LanguageSwitcher } from './LanguageSwitcher';

export function TopBar() {
  const { t } = useTranslation();
  const view = useApp((s) => s.view);
  const ready = useApp((s) => s.boot.status === 'ready');
  const instances = useApp((s) => s.instances);
  const show = useApp((s) => s.show);
  const back = (): void => {
    const first = instances[0];
    show(first === undefined ? { screen: 'wizard' } : { screen: 'dashboard', instance: first.name });
  };
  return (
    <header className="top-bar">
      <span className="brand">
        <span className="brand-mark" aria-hidden="true" />
        {t('app.name')}
      </span>
      <div className="top-actions">
        {ready &&
          (view.screen === 'settings' ? (
            <button type="button" className="button button-quiet" onClick={back}>
              {t('settings.close')}
            </button>
          ) : (
            <button type="button" className="button button-quiet" onClick={() => show({ screen: 'settings' })}>
              {t('settings.title')}
            </button>
          ))}
        <LanguageSwitcher />
      </div>
    </header>
  );
}

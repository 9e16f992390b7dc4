/**
 * After a reboot: a warning when Docker Desktop's own "start when you sign in" is off, with the
 * button that turns it on (only when pressed; the core changes only that key of Docker Desktop's
 * settings file), and on Windows a plain note that the server is offline after a restart until
 * someone signs in, with how to avoid it (it can be put away; it stays away in this browser).
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DockerAutostartInfo } from '../../../electron/shared/contract';
import { useApi, useApp } from '../store/context';
import { dockerLoginNotice, WINDOWS_NOTICE_KEY } from './docker-login-notice';

export function DockerLoginNotice() {
  const { t } = useTranslation();
  const api = useApi();
  const platform = useApp((s) => s.info?.platform);
  const [autostart, setAutostart] = useState<DockerAutostartInfo | null>(null);
  const [turning, setTurning] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const [turnedOn, setTurnedOn] = useState(false);
  const [dismissed, setDismissed] = useState(() => localStorage.getItem(WINDOWS_NOTICE_KEY) === 'yes');

  useEffect(() => {
    let live = true;
    api.call('system.dockerAutostart').then(
      (info) => live && setAutostart(info),
      () => {}, // not known (an older core, no Docker Desktop): nothing to say
    );
    return () => {
      live = false;
    };
  }, [api]);

  const view = dockerLoginNotice(platform, autostart);
  const turnOn = () => {
    setTurning(true);
    setFailed(null);
    api
      .call('system.setDockerAutostart', { enabled: true })
      .then(
        (info) => {
          setAutostart(info);
          setTurnedOn(true);
        },
        (e: unknown) => setFailed(e instanceof Error ? e.message : String(e)),
      )
      .finally(() => setTurning(false));
  };
  const dismiss = () => {
    localStorage.setItem(WINDOWS_NOTICE_KEY, 'yes');
    setDismissed(true);
  };

  return (
    <>
      {view.autostartOff && (
        <div className="notice notice-warn" role="alert" data-testid="docker-autostart-notice">
          <p className="notice-title">{t('dockerLogin.title')}</p>
          <p>{t('dockerLogin.body')}</p>
          <div className="actions">
            <button type="button" className="button" onClick={turnOn} disabled={turning}>
              {turning ? t('dockerLogin.turning') : t('dockerLogin.turnOn')}
            </button>
          </div>
          {failed !== null && <p lang="en">{t('dockerLogin.failed', { message: failed })}</p>}
        </div>
      )}
      {turnedOn && !view.autostartOff && (
        <div className="notice notice-ok" role="status" data-testid="docker-autostart-done">
          <p>{t('dockerLogin.done')}</p>
        </div>
      )}
      {view.windowsReboot && !dismissed && (
        <div className="notice notice-info" role="note" data-testid="windows-reboot-notice">
          <p className="notice-title">{t('windowsReboot.title')}</p>
          <p>{t('windowsReboot.body')}</p>
          <ul>
            <li>{t('windowsReboot.signIn')}</li>
            <li>{t('windowsReboot.activeHours')}</li>
          </ul>
          <div className="actions">
            <button type="button" className="button button-quiet" onClick={dismiss}>
              {t('windowsReboot.dismiss')}
            </button>
          </div>
        </div>
      )}
    </>
  );
}

/**
 * How a server takes new releases, on its update card (`updates.policy.get|set`): "tell me" (the
 * default) or "install security updates by themselves" at a chosen hour. The automatic update backs
 * the server up first, so it needs the backup passphrase kept: asked for here when none is.
 */
import { PassphraseHint } from '../backups/PassphraseHint';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, UpdatePolicyInfo, UpdatePolicyMode } from '../../../electron/shared/contract';
import { ErrorNotice } from '../components/ErrorNotice';
import { toApiError } from '../lib/errors';
import { useApi } from '../store/context';
import { DEFAULT_AUTO_AT, policyBlocked } from './update-card';

export function UpdatePolicy(props: { name: string; passphraseKept: boolean; onSaved: () => void }) {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const { name } = props;
  const [info, setInfo] = useState<UpdatePolicyInfo | null>(null);
  const [mode, setMode] = useState<UpdatePolicyMode>('notify');
  const [at, setAt] = useState(DEFAULT_AUTO_AT);
  const [passphrase, setPassphrase] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);

  const show = (i: UpdatePolicyInfo) => {
    setInfo(i);
    setMode(i.mode);
    setAt(i.at ?? DEFAULT_AUTO_AT);
  };
  useEffect(() => {
    api.call('updates.policy.get', { name }).then(show, (e: unknown) => setError(toApiError(e)));
  }, [api, name]);

  const asksPassphrase = mode === 'auto-security' && !props.passphraseKept;
  const blocked = policyBlocked(mode, at, props.passphraseKept, passphrase);
  const save = () => {
    setError(null);
    setSaved(false);
    const input = { name, mode, ...(mode === 'auto-security' && { at }), ...(asksPassphrase && { passphrase }) };
    api.call('updates.policy.set', input).then(
      (i) => {
        show(i);
        setSaved(true);
        setPassphrase('');
        props.onSaved();
      },
      (e: unknown) => setError(toApiError(e)),
    );
  };

  return (
    <fieldset className="update-policy" data-testid="update-policy" data-mode={info?.mode ?? ''}>
      <legend>{t('serverUpdate.policy.title')}</legend>
      <label className="radio">
        <input type="radio" name={`update-policy-${name}`} value="notify" checked={mode === 'notify'} onChange={() => setMode('notify')} />
        {t('serverUpdate.policy.notify')}
      </label>
      <label className="radio">
        <input type="radio" name={`update-policy-${name}`} value="auto-security" checked={mode === 'auto-security'} onChange={() => setMode('auto-security')} />
        {t('serverUpdate.policy.auto')}
      </label>
      {mode === 'auto-security' && (
        <>
          <div className="field">
            <label htmlFor="update-policy-at">{t('serverUpdate.policy.at')}</label>
            <input id="update-policy-at" type="time" value={at} onChange={(e) => setAt(e.target.value)} />
          </div>
          {asksPassphrase && (
            <div className="field">
              <label htmlFor="update-policy-passphrase">{t('serverUpdate.passphrase')}</label>
              <input
                id="update-policy-passphrase"
                type="password"
                autoComplete="new-password"
                value={passphrase}
                onChange={(e) => setPassphrase(e.target.value)}
              />
              <PassphraseHint passphrase={passphrase} />
              <p className="muted">{t('serverUpdate.policy.passphraseHelp')}</p>
            </div>
          )}
          <p className="muted">{t('serverUpdate.policy.autoHelp')}</p>
        </>
      )}
      <div className="actions">
        <button type="button" className="button" onClick={save} disabled={blocked !== null}>
          {t('serverUpdate.policy.save')}
        </button>
      </div>
      {info && (
        <p className="muted" data-testid="update-policy-state">
          {info.mode === 'auto-security' && info.nextRun !== null
            ? t('serverUpdate.policy.next', { date: new Date(info.nextRun).toLocaleString(i18n.language) })
            : t('serverUpdate.policy.isNotify')}
        </p>
      )}
      {saved && <p className="muted">{t('serverUpdate.policy.saved')}</p>}
      {error && <ErrorNotice error={error} />}
    </fieldset>
  );
}

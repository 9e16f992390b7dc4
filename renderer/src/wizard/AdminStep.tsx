/**
 * Step 6: the first admin account. Where Engawa may choose the password, the wizard suggests a
 * strong one, shows it this once with a copy button and asks the user to keep it; Mastodon makes
 * its own, shown once on the last screen.
 */
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, StackInfo } from '../../../electron/shared/contract';
import { CopyButton } from '../components/CopyButton';
import type { WizardField } from '../lib/errors';
import { generatePassword } from '../lib/password';
import { passwordSource, type Draft } from './draft';
import { FieldError, StepNav } from './parts';

export function AdminStep(props: {
  stack: StackInfo;
  draft: Draft;
  errors: Partial<Record<WizardField, ApiError>>;
  onChange: (patch: Partial<Draft>) => void;
  onBack: () => void;
  onNext: () => void;
}) {
  const { t } = useTranslation();
  const { draft, stack, errors, onChange } = props;
  const source = passwordSource(stack);
  const user = draft.adminUser.trim() || stack.admin.defaultUser || '';

  useEffect(() => {
    if (source === 'wizard' && draft.adminPassword === null) onChange({ adminPassword: generatePassword(), passwordKept: false });
  }, [source, draft.adminPassword, onChange]);

  const ready = user !== '' && (source === 'server' || (draft.adminPassword !== null && draft.passwordKept));
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (ready) props.onNext();
      }}
    >
      <h2>{t('admin.title')}</h2>
      <p className="lead">{t('admin.intro', { stack: stack.name })}</p>
      <div className="field">
        <label htmlFor="admin-user">{t('admin.user')}</label>
        <input
          id="admin-user"
          type="text"
          autoComplete="off"
          spellCheck={false}
          placeholder={stack.admin.defaultUser ?? ''}
          value={draft.adminUser}
          aria-invalid={errors.adminUser !== undefined}
          aria-describedby="admin-user-help admin-user-error"
          onChange={(e) => onChange({ adminUser: e.target.value })}
        />
        <p className="help" id="admin-user-help">
          {t(stack.id === 'bluesky' ? 'admin.userHelpBluesky' : 'admin.userHelp', { domain: draft.domain.trim() })}
        </p>
        <FieldError id="admin-user-error" field="adminUser" error={errors.adminUser} />
      </div>
      <div className="field">
        <label htmlFor="admin-email">{t('admin.email')}</label>
        <input
          id="admin-email"
          type="email"
          autoComplete="email"
          placeholder={user === '' ? '' : `${user}@${draft.domain.trim()}`}
          value={draft.adminEmail}
          aria-invalid={errors.adminEmail !== undefined}
          aria-describedby="admin-email-help admin-email-error"
          onChange={(e) => onChange({ adminEmail: e.target.value })}
        />
        <p className="help" id="admin-email-help">
          {t('admin.emailHelp')}
        </p>
        <FieldError id="admin-email-error" field="adminEmail" error={errors.adminEmail} />
      </div>
      {source === 'wizard' && draft.adminPassword !== null ? (
        <div className="secret-box">
          <p className="notice-title">{t('admin.passwordTitle')}</p>
          <p>{t('admin.passwordOnce')}</p>
          <div className="secret-row">
            <code className="secret" data-testid="admin-password">
              {draft.adminPassword}
            </code>
            <CopyButton text={draft.adminPassword} />
            <button
              type="button"
              className="button button-small button-quiet"
              onClick={() => onChange({ adminPassword: generatePassword(), passwordKept: false })}
            >
              {t('admin.another')}
            </button>
          </div>
          <label className="check-label">
            <input type="checkbox" checked={draft.passwordKept} onChange={(e) => onChange({ passwordKept: e.target.checked })} />
            {t('admin.kept')}
          </label>
          <FieldError id="admin-password-error" field="adminPassword" error={errors.adminPassword} />
        </div>
      ) : (
        <div className="notice notice-info">
          <p>{t('admin.serverMakesPassword', { stack: stack.name })}</p>
        </div>
      )}
      <StepNav onBack={props.onBack} onNext={props.onNext} nextDisabled={!ready} />
    </form>
  );
}

/**
 * Step 4: the server's domain (permanent: other servers remember it) and Engawa's short name for
 * it. The core checks both when the server is created; what it refuses comes back here, on the
 * field, translated.
 */
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../../../electron/shared/contract';
import type { WizardField } from '../lib/errors';
import type { Draft } from './draft';
import { FieldError, StepNav } from './parts';

export function DomainStep(props: {
  draft: Draft;
  errors: Partial<Record<WizardField, ApiError>>;
  onChange: (patch: Partial<Draft>) => void;
  onBack: () => void;
  onNext: () => void;
}) {
  const { t } = useTranslation();
  const { draft, errors } = props;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        props.onNext();
      }}
    >
      <h2>{t('domain.title')}</h2>
      <p className="lead">{t('domain.intro')}</p>
      <div className="field">
        <label htmlFor="domain">{t('domain.label')}</label>
        <input
          id="domain"
          type="text"
          inputMode="url"
          autoComplete="off"
          spellCheck={false}
          placeholder={t('domain.placeholder')}
          value={draft.domain}
          aria-invalid={errors.domain !== undefined}
          aria-describedby="domain-help domain-error"
          onChange={(e) => props.onChange({ domain: e.target.value })}
        />
        <p className="help" id="domain-help">
          {t('domain.help')}
        </p>
        <FieldError id="domain-error" field="domain" error={errors.domain} />
      </div>
      <div className="notice notice-info">
        <p className="notice-title">{t('domain.permanentTitle')}</p>
        <p>{t('domain.permanent')}</p>
      </div>
      <div className="field">
        <label htmlFor="name">{t('domain.nameLabel')}</label>
        <input
          id="name"
          type="text"
          autoComplete="off"
          spellCheck={false}
          value={draft.name}
          aria-invalid={errors.name !== undefined}
          aria-describedby="name-help name-error"
          onChange={(e) => props.onChange({ name: e.target.value })}
        />
        <p className="help" id="name-help">
          {t('domain.nameHelp')}
        </p>
        <FieldError id="name-error" field="name" error={errors.name} />
      </div>
      <StepNav onBack={props.onBack} onNext={props.onNext} nextDisabled={draft.domain.trim() === '' || draft.name.trim() === ''} />
    </form>
  );
}

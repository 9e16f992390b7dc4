/** Small pieces every wizard step uses: the back/next row and a field's error. */
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../../../electron/shared/contract';
import type { WizardField } from '../lib/errors';

export function StepNav(props: { onBack?: () => void; onNext?: () => void; nextDisabled?: boolean; nextLabel?: string }) {
  const { t } = useTranslation();
  return (
    <div className="step-nav">
      {props.onBack ? (
        <button type="button" className="button button-quiet" onClick={props.onBack}>
          {t('wizard.back')}
        </button>
      ) : (
        <span />
      )}
      {props.onNext && (
        <button type="button" className="button button-primary" onClick={props.onNext} disabled={props.nextDisabled}>
          {props.nextLabel ?? t('wizard.next')}
        </button>
      )}
    </div>
  );
}

/** What is wrong with a field, translated; the core's exact sentence under "Details". */
export function FieldError(props: { id: string; field: WizardField; error: ApiError | undefined }) {
  const { t } = useTranslation();
  if (props.error === undefined) return null;
  const key = props.error.code === 'NAME_TAKEN' ? 'wizard.fieldError.nameTaken' : `wizard.fieldError.${props.field}`;
  return (
    <div className="field-error" id={props.id} role="alert">
      <p>{t(key)}</p>
      <details className="notice-detail">
        <summary>{t('common.details')}</summary>
        <p lang="en">{props.error.message}</p>
      </details>
    </div>
  );
}

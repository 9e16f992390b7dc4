/** A calm loading line, announced to screen readers. */
import { useTranslation } from 'react-i18next';

export function Loading(props: { label?: string }) {
  const { t } = useTranslation();
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {props.label ?? t('common.loading')}
    </p>
  );
}

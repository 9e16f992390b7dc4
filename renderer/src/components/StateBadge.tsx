/** An instance's state as a coloured dot and a word. */
import { useTranslation } from 'react-i18next';
import type { InstanceState } from '../../../electron/shared/contract';

/** The colour family of each state (CSS `state-<tone>`). */
const TONE: Record<InstanceState, 'ok' | 'busy' | 'off' | 'bad'> = {
  running: 'ok',
  creating: 'busy',
  starting: 'busy',
  stopping: 'busy',
  destroying: 'busy',
  degraded: 'bad',
  error: 'bad',
  unknown: 'bad',
  stopped: 'off',
};

export function StateBadge(props: { state: InstanceState }) {
  const { t } = useTranslation();
  return (
    <span className={`state state-${TONE[props.state]}`} data-state={props.state}>
      <span className="state-dot" aria-hidden="true" />
      {t(`state.${props.state}`)}
    </span>
  );
}

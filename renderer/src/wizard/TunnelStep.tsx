/**
 * Step 5: how the server is reached. Today: on this computer only. The Cloudflare Tunnel modes
 * (an API token, a tunnel token, signing in with the browser) become further options of
 * `TunnelChoice` here, each with its own fields, when the tunnel feature reaches the app.
 */
import { useTranslation } from 'react-i18next';
import type { TunnelChoice } from './draft';
import { StepNav } from './parts';

/** The modes offered, in order. */
const MODES: readonly TunnelChoice['mode'][] = ['none'];

export function TunnelStep(props: { choice: TunnelChoice; onChange: (choice: TunnelChoice) => void; onBack: () => void; onNext: () => void }) {
  const { t } = useTranslation();
  return (
    <div>
      <h2>{t('tunnel.title')}</h2>
      <p className="lead">{t('tunnel.intro')}</p>
      <div className="stack-list" role="radiogroup" aria-label={t('tunnel.title')}>
        {MODES.map((mode) => (
          <label key={mode} className={`stack-card${props.choice.mode === mode ? ' selected' : ''}`}>
            <input type="radio" name="tunnel" value={mode} checked={props.choice.mode === mode} onChange={() => props.onChange({ mode })} />
            <span className="stack-name">{t(`tunnel.mode.${mode}.title`)}</span>
            <span className="stack-summary">{t(`tunnel.mode.${mode}.body`)}</span>
          </label>
        ))}
      </div>
      <p className="help">{t('tunnel.later')}</p>
      <StepNav onBack={props.onBack} onNext={props.onNext} />
    </div>
  );
}

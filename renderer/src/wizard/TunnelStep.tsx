/**
 * Step 5: how the server is reached. "Only this computer", or a Cloudflare Tunnel made with an API
 * token (recommended), by signing in with Cloudflare, or with a tunnel the user already has. The
 * server's public host follows from its domain (`tunnel.preview`); the step says, before anything
 * is created, that the domain cannot change later. Tokens stay in the wizard's memory.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TunnelPreview } from '../../../electron/shared/contract';
import { useApi } from '../store/context';
import type { Draft } from './draft';
import { StepNav } from './parts';
import { TunnelApiPanel } from './TunnelApiPanel';
import { choiceProblem, newChoice, TUNNEL_MODES, type TunnelChoice } from './tunnel-choice';
import { TunnelRoutes } from './TunnelRoutes';

export function TunnelStep(props: { draft: Draft; onChange: (choice: TunnelChoice) => void; onBack: () => void; onNext: () => void }) {
  const { t } = useTranslation();
  const api = useApi();
  const { draft } = props;
  const choice = draft.tunnel;
  const [preview, setPreview] = useState<TunnelPreview | null>(null);

  useEffect(() => {
    if (draft.stack === null) return;
    let live = true;
    api
      .call('tunnel.preview', { stack: draft.stack, domain: draft.domain.trim() })
      .then((p) => live && setPreview(p))
      .catch(() => live && setPreview(null)); // a domain the core refuses is shown on the create step
    return () => {
      live = false;
    };
  }, [api, draft.stack, draft.domain]);

  const publicHost = preview?.publicHost ?? draft.domain.trim();
  const problem = choiceProblem(choice);

  return (
    <div className="tunnel-step">
      <h2>{t('tunnel.title')}</h2>
      <p className="lead">{t('tunnel.intro')}</p>
      <div className="stack-list" role="radiogroup" aria-label={t('tunnel.title')}>
        {TUNNEL_MODES.map((mode) => (
          <label key={mode} className={`stack-card${choice.mode === mode ? ' selected' : ''}`}>
            <input type="radio" name="tunnel" value={mode} checked={choice.mode === mode} onChange={() => props.onChange(newChoice(mode, publicHost))} />
            <span className="stack-name">{t(`tunnel.mode.${mode}.title`)}</span>
            <span className="stack-summary">{t(`tunnel.mode.${mode}.body`)}</span>
          </label>
        ))}
      </div>

      {choice.mode === 'api' && <TunnelApiPanel choice={choice} publicHost={publicHost} onChange={props.onChange} />}

      {choice.mode === 'token' && (
        <div className="tunnel-panel">
          <div className="field">
            <label htmlFor="tunnel-token">{t('tunnel.token.label')}</label>
            <input
              id="tunnel-token"
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={choice.tunnelToken}
              onChange={(e) => props.onChange({ ...choice, tunnelToken: e.target.value })}
            />
            <p className="help">{t('tunnel.token.help')}</p>
          </div>
          <div className="field">
            <label htmlFor="tunnel-hostname">{t('tunnel.hostname.label')}</label>
            <input
              id="tunnel-hostname"
              type="text"
              autoComplete="off"
              spellCheck={false}
              value={choice.hostname}
              onChange={(e) => props.onChange({ ...choice, hostname: e.target.value })}
            />
            <p className="help">{t('tunnel.hostname.help', { host: publicHost })}</p>
          </div>
          {preview && <TunnelRoutes routes={preview.routes} />}
        </div>
      )}

      {choice.mode === 'login' && (
        <div className="tunnel-panel">
          <p>{t('tunnel.login.how', { host: publicHost })}</p>
        </div>
      )}

      {choice.mode !== 'none' && (
        <div className="notice notice-info">
          <p className="notice-title">{t('tunnel.final.title', { host: publicHost })}</p>
          <p>{t('tunnel.final.body')}</p>
        </div>
      )}
      {problem !== null && (
        <p className="help" data-testid="tunnel-problem">
          {t(`tunnel.problem.${problem}`)}
        </p>
      )}
      <StepNav onBack={props.onBack} onNext={props.onNext} nextDisabled={problem !== null} />
    </div>
  );
}

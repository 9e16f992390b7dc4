/**
 * Sign in with Cloudflare: while a create waits for the user, the link cloudflared printed arrives
 * as the detail of a progress step and becomes an "Open Cloudflare" button. It opens outside the
 * app: a new tab in the browser, the system browser in Electron (the window lets https links out).
 */
import { useTranslation } from 'react-i18next';
import type { StepView } from '../store/ops';
import { signInLink } from './tunnel-choice';

export function SignInLink(props: { steps: StepView[] }) {
  const { t } = useTranslation();
  const url = signInLink(props.steps);
  if (url === null) return null;
  return (
    <div className="notice notice-info" data-testid="sign-in">
      <p className="notice-title">{t('tunnel.login.waitingTitle')}</p>
      <p>{t('tunnel.login.waitingBody')}</p>
      <a className="button button-primary" href={url} target="_blank" rel="noopener noreferrer">
        {t('tunnel.login.open')}
      </a>
    </div>
  );
}

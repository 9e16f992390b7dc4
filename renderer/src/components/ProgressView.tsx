/** An operation's real progress: downloads with bytes, every step as it happens, services' health. */
import { useTranslation } from 'react-i18next';
import { formatBytes } from '../lib/format';
import { stepText } from '../lib/steps';
import type { OpView, StepView } from '../store/ops';

function StepLine(props: { step: StepView }) {
  const { t } = useTranslation();
  const text = stepText(props.step.step);
  return (
    <li className={`step step-${props.step.state}`}>
      <span className="step-icon" aria-hidden="true" />
      <span>{'raw' in text ? text.raw : t(text.key, text.values)}</span>
      <span className="visually-hidden">{t(`progress.stepState.${props.step.state}`)}</span>
    </li>
  );
}

export function ProgressView(props: { op: OpView }) {
  const { t, i18n } = useTranslation();
  const { op } = props;
  const health = Object.entries(op.health);
  return (
    <div className="progress" aria-live="polite">
      {op.pulls.length > 0 && (
        <section>
          <h3>{t('progress.downloads')}</h3>
          <ul className="pulls">
            {op.pulls.map((p) => {
              const share = p.done ? 1 : p.total > 0 ? Math.min(1, p.current / p.total) : 0;
              return (
                <li key={p.image}>
                  <div className="pull-head">
                    <code>{p.image}</code>
                    <span>
                      {p.done
                        ? t('progress.downloaded')
                        : t('progress.bytes', { current: formatBytes(p.current, i18n.language), total: formatBytes(p.total, i18n.language) })}
                    </span>
                  </div>
                  <div className="bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(share * 100)} aria-label={p.image}>
                    <div className="bar-fill" style={{ width: `${share * 100}%` }} />
                  </div>
                </li>
              );
            })}
          </ul>
        </section>
      )}
      <section>
        <h3>{t('progress.steps')}</h3>
        {op.steps.length === 0 ? (
          <p className="muted">{t('progress.waiting')}</p>
        ) : (
          <ol className="steps">
            {op.steps.map((s) => (
              <StepLine key={s.step} step={s} />
            ))}
          </ol>
        )}
      </section>
      {health.length > 0 && (
        <section>
          <h3>{t('progress.health')}</h3>
          <ul className="health">
            {health.map(([service, h]) => (
              <li key={service} className={`health-${h}`}>
                <code>{service}</code> {t(`health.${h}`, { defaultValue: h })}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

/**
 * The setup wizard: language → Docker → network → domain → how it is reached → admin account →
 * create. It keeps the choices (including a suggested password) in this component only, never in
 * the store or storage, and sends them once with `instances.create`.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../../../electron/shared/contract';
import type { WizardField } from '../lib/errors';
import { fireAndReport } from '../lib/report';
import { useApp } from '../store/context';
import { valueOf } from '../store/loadable';
import { AdminStep } from './AdminStep';
import { CreateStep } from './CreateStep';
import { DockerStep } from './DockerStep';
import { DomainStep } from './DomainStep';
import { emptyDraft, stepsFor, suggestName, type Draft, type StepId } from './draft';
import { LanguageStep } from './LanguageStep';
import { StackStep } from './StackStep';
import { TunnelStep } from './TunnelStep';

/** The step that holds a field. */
const STEP_OF_FIELD: Record<WizardField, StepId> = {
  stack: 'stack',
  domain: 'domain',
  name: 'domain',
  adminUser: 'admin',
  adminEmail: 'admin',
  adminPassword: 'admin',
};

function Stepper(props: { steps: StepId[]; current: StepId }) {
  const { t } = useTranslation();
  const at = props.steps.indexOf(props.current);
  return (
    <ol className="stepper" aria-label={t('wizard.progress')}>
      {props.steps.map((s, i) => (
        <li key={s} className={i < at ? 'done' : i === at ? 'current' : ''} aria-current={i === at ? 'step' : undefined}>
          {t(`wizard.steps.${s}`)}
        </li>
      ))}
    </ol>
  );
}

export function Wizard() {
  const { t } = useTranslation();
  const instances = useApp((s) => s.instances);
  const stacks = valueOf(useApp((s) => s.stacks));
  const loadStacks = useApp((s) => s.loadStacks);
  const show = useApp((s) => s.show);
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [step, setStep] = useState<StepId>(instances.length > 0 ? 'docker' : 'language');
  const [errors, setErrors] = useState<Partial<Record<WizardField, ApiError>>>({});

  useEffect(() => {
    fireAndReport(loadStacks(), 'reading the networks');
  }, [loadStacks]);

  const stack = stacks?.find((s) => s.id === draft.stack);
  const steps = stepsFor(stack);
  const index = steps.indexOf(step);
  const go = (offset: number) => () => setStep(steps[Math.max(0, Math.min(steps.length - 1, index + offset))] ?? 'language');

  const change = useCallback((patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    // an edited field is no longer known to be wrong
    setErrors((e) => {
      const next = { ...e };
      if ('domain' in patch) delete next.domain;
      if ('name' in patch) delete next.name;
      if ('adminUser' in patch) delete next.adminUser;
      if ('adminEmail' in patch) delete next.adminEmail;
      if ('adminPassword' in patch) delete next.adminPassword;
      if ('stack' in patch) delete next.stack;
      return next;
    });
  }, []);

  const chooseStack = (id: string): void => {
    const chosen = stacks?.find((s) => s.id === id);
    const previous = stacks?.find((s) => s.id === draft.stack);
    const name = draft.name === '' || draft.name === suggestName(previous?.id ?? '', instances) ? suggestName(id, instances) : draft.name;
    change({ stack: id, name, adminUser: chosen?.admin.defaultUser ?? '', adminPassword: null, passwordKept: false });
  };

  const fieldError = (field: WizardField, error: ApiError): void => {
    setErrors({ [field]: error });
    setStep(STEP_OF_FIELD[field]);
  };

  return (
    <div className="wizard">
      <div className="wizard-head">
        <Stepper steps={steps} current={step} />
        {instances.length > 0 && (
          <button type="button" className="button button-quiet" onClick={() => show({ screen: 'dashboard', instance: instances[0]?.name ?? '' })}>
            {t('wizard.cancel')}
          </button>
        )}
      </div>
      <section className="card">
        {step === 'language' && <LanguageStep onNext={go(1)} />}
        {step === 'docker' && <DockerStep onBack={go(-1)} onNext={go(1)} />}
        {step === 'stack' && <StackStep selected={draft.stack} error={errors.stack} onSelect={chooseStack} onBack={go(-1)} onNext={go(1)} />}
        {step === 'domain' && <DomainStep draft={draft} errors={errors} onChange={change} onBack={go(-1)} onNext={go(1)} />}
        {step === 'tunnel' && <TunnelStep draft={draft} onChange={(tunnel) => change({ tunnel })} onBack={go(-1)} onNext={go(1)} />}
        {step === 'admin' && stack && <AdminStep stack={stack} draft={draft} errors={errors} onChange={change} onBack={go(-1)} onNext={go(1)} />}
        {step === 'create' && stack && (
          <CreateStep
            draft={draft}
            stack={stack}
            onBack={go(-1)}
            onFieldError={fieldError}
            onFinished={(name) => show({ screen: 'dashboard', instance: name })}
          />
        )}
      </section>
    </div>
  );
}

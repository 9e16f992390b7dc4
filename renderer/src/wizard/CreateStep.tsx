/**
 * Step 7: a last look at the choices, then "Create" with the real progress pushed by the core
 * (downloads with bytes, each step, services' health), and a clear end: the local address and a
 * once-shown admin password and, for a server with a public address, the outside-in check ("Can
 * the world reach it?", run at once), or the translated error with what to do and a retry (create resumes).
 * Too little memory for the stack (LOW_MEMORY) offers "Create anyway" (allowLowMemory).
 * Mistakes in the input come back at once (INVALID_INPUT, NAME_TAKEN) and send the user to the
 * step with the field at fault.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, StackInfo } from '../../../electron/shared/contract';
import { CopyButton } from '../components/CopyButton';
import { ErrorNotice } from '../components/ErrorNotice';
import { ProgressView } from '../components/ProgressView';
import { fieldOfError, toApiError, type WizardField } from '../lib/errors';
import { formatBytes } from '../lib/format';
import { fireAndReport } from '../lib/report';
import { useApp } from '../store/context';
import { createInput, passwordSource, type Draft } from './draft';
import { StepNav } from './parts';
import { SignInLink } from './SignInLink';
import { CheckCard } from '../check/CheckCard';

function Summary(props: { draft: Draft; stack: StackInfo }) {
  const { t } = useTranslation();
  const input = createInput(props.draft, props.stack);
  return (
    <dl className="summary">
      <dt>{t('create.stack')}</dt>
      <dd>{props.stack.name}</dd>
      <dt>{t('create.domain')}</dt>
      <dd>{input.domain}</dd>
      <dt>{t('create.name')}</dt>
      <dd>{input.name}</dd>
      <dt>{t('create.reach')}</dt>
      <dd>{t(`tunnel.mode.${props.draft.tunnel.mode}.title`)}</dd>
      <dt>{t('create.admin')}</dt>
      <dd>{input.admin ? `${input.admin.user} (${input.admin.email})` : t('create.noAdmin')}</dd>
    </dl>
  );
}

/** How much memory Docker has and the stack needs, from a LOW_MEMORY answer. */
function LowMemory(props: { details: Record<string, unknown> | undefined; stack: string }) {
  const { t, i18n } = useTranslation();
  const have = props.details?.haveBytes;
  const need = props.details?.needBytes;
  if (typeof have !== 'number' || typeof need !== 'number') return null;
  return (
    <p className="notice notice-warn">
      {t('create.lowMemory', { have: formatBytes(have, i18n.language), need: formatBytes(need, i18n.language), stack: props.stack })}
    </p>
  );
}

function Success(props: { name: string; stack: StackInfo; password: string | undefined; onOpen: () => void }) {
  const { t } = useTranslation();
  const instance = useApp((s) => s.instances.find((i) => i.name === props.name));
  return (
    <div className="success" role="status">
      <h3>{t('create.done')}</h3>
      {instance?.localUrl ? (
        <p>
          {t('create.localUrl')}{' '}
          <a href={instance.localUrl} target="_blank" rel="noreferrer noopener" data-testid="local-url">
            {instance.localUrl}
          </a>
        </p>
      ) : null}
      {props.password !== undefined ? (
        <div className="secret-box">
          <p className="notice-title">{t('create.passwordTitle')}</p>
          <p>{t('create.passwordOnce')}</p>
          <div className="secret-row">
            <code className="secret" data-testid="created-password">
              {props.password}
            </code>
            <CopyButton text={props.password} />
          </div>
        </div>
      ) : props.stack.admin.kind !== 'none' && passwordSource(props.stack) === 'wizard' ? (
        <p>{t('create.useSavedPassword')}</p>
      ) : null}
      {/* the world's view of the new server: checked at once when it has a public address */}
      {instance?.publicUrl != null && <CheckCard name={props.name} autoRun justCreated />}
      <div className="step-nav">
        <span />
        <button type="button" className="button button-primary" onClick={props.onOpen}>
          {t('create.openDashboard')}
        </button>
      </div>
    </div>
  );
}

export function CreateStep(props: {
  draft: Draft;
  stack: StackInfo;
  onBack: () => void;
  onFieldError: (field: WizardField, error: ApiError) => void;
  onFinished: (name: string) => void;
}) {
  const { t } = useTranslation();
  const create = useApp((s) => s.create);
  const [opId, setOpId] = useState<string | null>(null);
  const [startError, setStartError] = useState<ApiError | null>(null);
  const [starting, setStarting] = useState(false);
  const op = useApp((s) => (opId === null ? undefined : s.ops[opId]));
  const input = createInput(props.draft, props.stack);

  const start = async (allowLowMemory = false): Promise<void> => {
    setStarting(true);
    setStartError(null);
    try {
      setOpId(await create(allowLowMemory ? { ...input, allowLowMemory } : input));
    } catch (e) {
      const error = toApiError(e);
      const field = fieldOfError(error);
      if (field !== null) props.onFieldError(field, error);
      else setStartError(error);
    } finally {
      setStarting(false);
    }
  };

  if (op === undefined) {
    return (
      <div>
        <h2>{t('create.title')}</h2>
        <p className="lead">{t('create.intro')}</p>
        <Summary draft={props.draft} stack={props.stack} />
        {startError && <ErrorNotice error={startError} />}
        <StepNav onBack={props.onBack} onNext={() => fireAndReport(start(), 'creating')} nextDisabled={starting} nextLabel={t('create.create')} />
      </div>
    );
  }
  return (
    <div>
      <h2>{op.status === 'running' ? t('create.creating', { name: input.name }) : op.status === 'done' ? t('create.doneTitle') : t('create.failedTitle')}</h2>
      {op.status === 'running' && <SignInLink steps={op.steps} />}
      <ProgressView op={op} />
      {op.status === 'done' && (
        <Success name={input.name} stack={props.stack} password={op.result?.adminPassword} onOpen={() => props.onFinished(input.name)} />
      )}
      {op.status === 'failed' && op.error && (
        <>
          {op.error.code === 'LOW_MEMORY' && <LowMemory details={op.error.details} stack={props.stack.name} />}
          <ErrorNotice error={op.error} onRetry={() => fireAndReport(start(), 'creating')} />
          <StepNav
            onBack={() => setOpId(null)}
            {...(op.error.code === 'LOW_MEMORY' && {
              onNext: () => fireAndReport(start(true), 'creating'),
              nextLabel: t('create.anyway'),
              nextDisabled: starting,
            })}
          />
        </>
      )}
    </div>
  );
}

/**
 * Step 3: which network. Each card says honestly what it is like, how long a post may be and how
 * much memory it uses, and warns when this computer's Docker has too little memory or lacks a
 * CPU feature the stack needs (Misskey's SSE4.2). Test-only recipes appear only when the host
 * was started with them (ENGAWA_RECIPES), marked as such.
 */
import { useTranslation } from 'react-i18next';
import type { EngineSummary, StackInfo } from '../../../electron/shared/contract';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { mibToGb } from '../lib/format';
import { fireAndReport } from '../lib/report';
import { STACK_GUIDES } from '../lib/stack-guide';
import { useApp } from '../store/context';
import { valueOf } from '../store/loadable';
import { FieldError, StepNav } from './parts';
import type { ApiError } from '../../../electron/shared/contract';

function StackCard(props: { stack: StackInfo; engine: EngineSummary | undefined; selected: boolean; onSelect: () => void }) {
  const { t, i18n } = useTranslation();
  const { stack, engine } = props;
  const lang = i18n.resolvedLanguage === 'ja' ? 'ja' : 'en';
  const guide = STACK_GUIDES[stack.id];
  const tooLittleMemory = engine !== undefined && stack.memoryMiB * 1024 ** 2 > engine.memoryBytes;
  return (
    <label className={`stack-card${props.selected ? ' selected' : ''}`}>
      <input type="radio" name="stack" value={stack.id} checked={props.selected} onChange={props.onSelect} />
      <span className="stack-head">
        <span className="stack-name">{stack.name}</span>
        <span className="muted">{t('stack.version', { version: stack.version })}</span>
        {stack.testOnly && <span className="tag">{t('stack.testOnly')}</span>}
      </span>
      {guide && <span className="stack-character">{t(`stacks.${stack.id}.character`)}</span>}
      <span className="stack-summary">{stack.summary[lang]}</span>
      <span className="stack-facts">
        <span>{t('stack.memory', { gb: mibToGb(stack.memoryMiB, i18n.language) })}</span>
        {guide && <span>{t('stack.postLength', { length: guide.postLength.toLocaleString(i18n.language) })}</span>}
      </span>
      {tooLittleMemory && <span className="stack-warn">{t('stack.memoryShort', { gb: mibToGb(stack.memoryMiB, i18n.language) })}</span>}
      {stack.requires.map((r) => (
        <span key={r.check} className={r.check.includes('sse4.2') && engine?.sse42 === false ? 'stack-warn' : 'stack-note'}>
          {r.check.includes('sse4.2') && engine?.sse42 === false ? t('stack.sse42Missing') : r.note[lang]}
        </span>
      ))}
    </label>
  );
}

export function StackStep(props: {
  selected: string | null;
  error: ApiError | undefined;
  onSelect: (id: string) => void;
  onBack: () => void;
  onNext: () => void;
}) {
  const { t } = useTranslation();
  const stacks = useApp((s) => s.stacks);
  const loadStacks = useApp((s) => s.loadStacks);
  const engine = valueOf(useApp((s) => s.system) ?? undefined)?.engine;
  return (
    <div>
      <h2>{t('stack.title')}</h2>
      <p className="lead">{t('stack.intro')}</p>
      {stacks.status === 'loading' ? (
        <Loading />
      ) : stacks.status === 'error' ? (
        <ErrorNotice error={stacks.error} onRetry={() => fireAndReport(loadStacks(), 'reading the networks')} />
      ) : stacks.value.length === 0 ? (
        <p className="empty">{t('stack.none')}</p>
      ) : (
        <div className="stack-list" role="radiogroup" aria-label={t('stack.title')}>
          {stacks.value.map((s) => (
            <StackCard key={s.id} stack={s} engine={engine} selected={props.selected === s.id} onSelect={() => props.onSelect(s.id)} />
          ))}
        </div>
      )}
      <FieldError id="stack-error" field="stack" error={props.error} />
      <StepNav onBack={props.onBack} onNext={props.onNext} nextDisabled={props.selected === null || valueOf(stacks) === undefined} />
    </div>
  );
}

/**
 * The instance's name, network, live state and its start / stop / restart buttons. The state
 * shown is the pushed one; a button starts an operation whose end arrives as an event too.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, InstanceSummary } from '../../../electron/shared/contract';
import { ErrorNotice } from '../components/ErrorNotice';
import { StateBadge } from '../components/StateBadge';
import { toApiError } from '../lib/errors';
import { useApp } from '../store/context';
import { runningOpOf } from '../store/ops';

type Lifecycle = 'start' | 'stop' | 'restart';

export function InstanceHeader(props: { instance: InstanceSummary }) {
  const { t } = useTranslation();
  const { instance } = props;
  const runOp = useApp((s) => s.runOp);
  const running = useApp((s) => runningOpOf(s.ops, instance.name));
  const lastOp = useApp((s) =>
    Object.values(s.ops)
      .filter((o) => o.instance === instance.name && o.op !== 'create')
      .at(-1),
  );
  // an update's or a rollback's failure is told by the update card (with the failing service's last lines)
  const lastFailed = lastOp?.op === 'update' || lastOp?.op === 'rollback' ? undefined : lastOp;
  const [error, setError] = useState<ApiError | null>(null);
  const stack = useApp((s) => (s.stacks.status === 'ready' ? s.stacks.value.find((x) => x.id === instance.stack) : undefined));

  const act = (op: Lifecycle) => () => {
    setError(null);
    runOp(op, instance.name).catch((e: unknown) => setError(toApiError(e)));
  };
  const busy = running !== undefined;
  const up = instance.state === 'running' || instance.state === 'degraded' || instance.state === 'starting';
  return (
    <header className="instance-header">
      <div>
        <h1>{instance.name}</h1>
        <p className="muted">{t('dashboard.stackOn', { stack: stack?.name ?? instance.stack, domain: instance.domain })}</p>
      </div>
      <div className="instance-actions">
        <StateBadge state={instance.state} />
        {busy && <span className="muted">{t(`dashboard.opRunning.${running.op}`)}</span>}
        <button type="button" className="button" onClick={act('start')} disabled={busy || instance.state === 'running'}>
          {t('dashboard.start')}
        </button>
        <button type="button" className="button" onClick={act('stop')} disabled={busy || !up}>
          {t('dashboard.stop')}
        </button>
        <button type="button" className="button" onClick={act('restart')} disabled={busy || !up}>
          {t('dashboard.restart')}
        </button>
      </div>
      {error && <ErrorNotice error={error} />}
      {!error && lastFailed?.status === 'failed' && lastFailed.error && <ErrorNotice error={lastFailed.error} />}
      {instance.pending === 'create' && <p className="notice notice-warn">{t('dashboard.pendingCreate')}</p>}
    </header>
  );
}

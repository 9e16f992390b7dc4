/**
 * The desktop shell's own view of the instances (tray, notifications, the quit flow): a dispatcher
 * session like any page's, kept up to date by pushed events only (`instance.state`, and a fresh
 * list after a create or destroy ends), with the security updates each can install (asked at the
 * start and again after an operation that changes a server's release ends), and since when each
 * running server has been up (`instances.history`, asked when it turns running or the list is read,
 * for the tooltip's "up 3 days"). It also runs operations and waits for their end.
 */
import type {
  ApiError,
  ApiEventMessage,
  ApiInput,
  ApiMethod,
  ApiOutput,
  InstanceState,
  InstanceSummary,
  InstanceUpdateInfo,
  OpKind,
} from '../../shared/contract';
import { openSession } from '../api/dispatch';
import type { Core } from '../api/types';
import { EngawaError } from '../util/errors';
import type { TrayInstance } from './model';

/** A state change of one instance (`previous` undefined for one seen for the first time). */
export interface StateChange {
  name: string;
  previous: InstanceState | undefined;
  next: InstanceState;
}

export interface InstanceTracker {
  /** the instances as last seen */
  instances(): TrayInstance[];
  /** calls a method as the shell; rejects with the API error */
  call<M extends ApiMethod>(method: M, input?: ApiInput<M>): Promise<ApiOutput<M>>;
  /** starts a long operation and resolves when it has ended (rejects when it failed) */
  runOp(method: 'instances.start' | 'instances.stop' | 'instances.restart', name: string): Promise<void>;
  close(): void;
}

/** Operation endings remembered in case runOp asks after the fact. */
const EARLY_ENDINGS_KEPT = 32;

/** Operations after which a server may run another release (or be new, or gone): the updates are asked again. */
const RELEASE_OPS: ReadonlySet<OpKind> = new Set<OpKind>(['create', 'destroy', 'restore', 'update', 'rollback']);

const toTray = (s: InstanceSummary, security: ReadonlyMap<string, string>): TrayInstance => {
  const update = security.get(s.name);
  return { name: s.name, domain: s.domain, state: s.state, url: s.publicUrl ?? (s.localUrl || null), ...(update !== undefined && { securityUpdate: update }) };
};

/**
 * Starts tracking. `onChange` runs after every change of the list or of a state; `change` names
 * the instance whose state moved (undefined when the whole list was refreshed).
 */
export function trackInstances(
  core: Core,
  onChange: (instances: TrayInstance[], change?: StateChange) => void,
  log: (line: string) => void = () => {},
): InstanceTracker {
  let list: TrayInstance[] = [];
  /** the release of the security update each server can install */
  let security = new Map<string, string>();
  const waiting = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  const early = new Map<string, ApiEventMessage>();

  const settle = (message: ApiEventMessage): void => {
    if (message.event !== 'op.done' && message.event !== 'op.failed') return;
    const w = waiting.get(message.payload.opId);
    if (w === undefined) {
      // maybe one of ours that ended before runOp saw its id; keep the last few only
      early.set(message.payload.opId, message);
      if (early.size > EARLY_ENDINGS_KEPT) early.delete(early.keys().next().value as string);
      return;
    }
    waiting.delete(message.payload.opId);
    if (message.event === 'op.done') w.resolve();
    else w.reject(toCoreError(message.payload.error));
  };

  const refresh = async (): Promise<void> => {
    const result = await session.call('instances.list', undefined);
    if (!result.ok) {
      log(`cannot list the instances: ${result.error.message}`);
      return;
    }
    const before = new Map(list.map((i) => [i.name, i.upSince]));
    list = (result.value as InstanceSummary[]).map((s) => {
      const i = toTray(s, security);
      const upSince = before.get(s.name);
      return upSince !== undefined && i.state === 'running' ? { ...i, upSince } : i;
    });
    onChange(list.map((i) => ({ ...i })));
    for (const i of list) if (i.state === 'running') askUptime(i.name);
  };

  /** Asks since when a running server has been up (its recorded history, for the tooltip's "up 3 days"). */
  const askUptime = (name: string): void => {
    session.call('instances.history', { name }).then(
      (result) => {
        if (!result.ok) return log(`cannot read the history of "${name}": ${result.error.message}`);
        const current = list.find((i) => i.name === name);
        const upSince = (result.value as ApiOutput<'instances.history'>).upSince ?? undefined;
        if (current === undefined || current.state !== 'running' || current.upSince === upSince) return;
        if (upSince === undefined) delete current.upSince;
        else current.upSince = upSince;
        onChange(list.map((i) => ({ ...i })));
      },
      (e: unknown) => log(`cannot read the history of "${name}": ${(e as Error).message}`),
    );
  };

  const refreshUpdates = async (): Promise<void> => {
    const result = await session.call('updates.list', undefined);
    if (!result.ok) {
      log(`cannot read the servers' updates: ${result.error.message}`);
      return;
    }
    const next = new Map((result.value as InstanceUpdateInfo[]).flatMap((u) => (u.security && u.target !== undefined ? [[u.name, u.target] as const] : [])));
    if (JSON.stringify([...next]) === JSON.stringify([...security])) return;
    security = next;
    list = list.map(({ securityUpdate: _s, ...i }) => {
      const update = security.get(i.name);
      return update === undefined ? i : { ...i, securityUpdate: update };
    });
    onChange(list.map((i) => ({ ...i })));
  };

  /** Refreshes without waiting; a failure is logged (the next event refreshes again). */
  const refreshNow = (): void => {
    refresh().catch((e: unknown) => log(`cannot list the instances: ${(e as Error).message}`));
  };
  const refreshUpdatesNow = (): void => {
    refreshUpdates().catch((e: unknown) => log(`cannot read the servers' updates: ${(e as Error).message}`));
  };

  const session = openSession(core, (message) => {
    if (message.event === 'instance.state') {
      const { name, state } = message.payload;
      const current = list.find((i) => i.name === name);
      if (current === undefined) {
        refreshNow();
        return;
      }
      const previous = current.state;
      if (previous === state) return;
      current.state = state;
      if (state === 'running') askUptime(name);
      else delete current.upSince;
      onChange(
        list.map((i) => ({ ...i })),
        { name, previous, next: state },
      );
    } else if (message.event === 'op.done' || message.event === 'op.failed') {
      settle(message);
      if (message.payload.op === 'create' || message.payload.op === 'destroy') refreshNow();
      if (RELEASE_OPS.has(message.payload.op)) refreshUpdatesNow();
    }
  });

  refreshNow();
  refreshUpdatesNow();

  const call = async <M extends ApiMethod>(method: M, input?: ApiInput<M>): Promise<ApiOutput<M>> => {
    const result = await session.call(method, input);
    if (result.ok) return result.value as ApiOutput<M>;
    throw toCoreError(result.error);
  };

  return {
    instances: () => list.map((i) => ({ ...i })),
    call,
    async runOp(method, name) {
      const { opId } = await call(method, { name });
      await new Promise<void>((resolve, reject) => {
        waiting.set(opId, { resolve, reject });
        const ended = early.get(opId);
        if (ended !== undefined) {
          early.delete(opId);
          settle(ended);
        }
      });
    },
    close: () => session.close(),
  };
}

/** An API error as a core error (the transport-only codes cannot occur in-process). */
function toCoreError(e: ApiError): EngawaError {
  const code = e.code === 'FORBIDDEN' || e.code === 'DISCONNECTED' ? 'INTERNAL' : e.code;
  return new EngawaError(code, e.message, e.details);
}

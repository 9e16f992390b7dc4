/**
 * The `updates.*` methods of the contract (core/update behind them), and the start of an instance
 * (`instances.start`), which goes through the update layer so an interrupted update is finished or
 * rolled back first. An update and a rollback are long operations (OpKind 'update' | 'rollback')
 * with progress like a backup's (steps, downloads, bytes). Both need the backup passphrase (an
 * update makes a backup first; a rollback restores it): the one given, else the kept one; without
 * either they answer INVALID_INPUT (details.reason 'passphrase-needed') before anything starts.
 * Plain mistakes (an unknown or older target, nothing to go back to) are answered at once too.
 */
import type { InstanceUpdateInfo, RollbackPreviewInfo, UpdatePolicyInfo } from '../../shared/contract';
import { keepPassphrase, keptPassphrase } from '../backup/passphrase';
import type { BackupDeps } from '../backup/types';
import type { InstanceRecord, SecretStore } from '../instances';
import {
  checkPolicy,
  confirmUpdate,
  lastUpdateOf,
  PolicyStore,
  rollbackInstance,
  rollbackPreview,
  securityTarget,
  startInstance,
  stepsTo,
  updateInfo,
  updateInstance,
  UpdateScheduler,
  type UpdatePolicy,
} from '../update';
import { EngawaError, isEngawaError, toEngawaError } from '../util/errors';
import { internalClient, type OpContext, type Operations } from './ops';
import type { Handlers } from './types';
import type { Services } from './wiring';

/** The update methods of the contract. */
export type UpdateMethod = Extract<keyof Handlers, `updates.${string}`>;

/** What updates need from the backups (api/backups.ts): the shell's secret store and the backup code's dependencies. */
export interface UpdateBackups {
  /** the store the passphrase is kept in (the same the instance manager uses) */
  secrets: SecretStore;
  deps: () => Promise<BackupDeps>;
  /** the clock of the automatic updates' scheduler (tests) */
  now?: () => Date;
  /** how often the policies file is checked for changes made by `engawa update-policy` (default 60 s) */
  reloadMs?: number;
}

export interface UpdateApi {
  handlers: Pick<Handlers, UpdateMethod>;
  /** the body of `instances.start`: an interrupted update is finished (or rolled back) with the kept passphrase, then the server starts */
  start(name: string, op: OpContext): Promise<void>;
  /** reads the update policies and arms the automatic security updates */
  startScheduler(): Promise<void>;
  /** a deleted server's policy goes with it */
  forget(name: string): Promise<void>;
  stop(): void;
}

/** Automatic updates act as this client (their results go to nobody in particular). */
const SCHEDULER_CLIENT = internalClient('update-scheduler');

/** `backups` undefined: the shell gave no backup options; the list still answers, the rest answers STATE. */
export function createUpdateApi(services: Services, ops: Operations, backups: UpdateBackups | undefined, log: (line: string) => void = () => {}): UpdateApi {
  const { manager } = services;
  const policies = new PolicyStore(services.home);
  const need = (): UpdateBackups => {
    if (backups === undefined) throw new EngawaError('STATE', 'Updates are not available here.');
    return backups;
  };
  const kept = async (name: string): Promise<string | undefined> =>
    backups === undefined ? undefined : keptPassphrase(backups.secrets, name).catch(() => undefined);

  /** The passphrase to use, or INVALID_INPUT 'passphrase-needed'. */
  const passphraseOf = async (name: string, given: string | undefined, what: string): Promise<string> => {
    const pass = given ?? (await kept(name));
    if (pass !== undefined) return pass;
    throw new EngawaError('INVALID_INPUT', `${what} needs the backup passphrase of "${name}"; enter it.`, {
      reason: 'passphrase-needed',
      path: 'passphrase',
      name,
    });
  };

  const ready = async (name: string): Promise<InstanceRecord> => {
    const record = await manager.get(name);
    if (record.pending)
      throw new EngawaError('STATE', `"${name}" is not fully ${record.pending === 'create' ? 'created' : 'deleted'}; finish that first.`, { name });
    return record;
  };

  const infoOf = async (record: InstanceRecord): Promise<InstanceUpdateInfo> => {
    const passphraseKept = (await kept(record.name)) !== undefined;
    try {
      return { ...toInfo(updateInfo(manager.baseRecipeOf(record), record), record), passphraseKept };
    } catch (e) {
      const current = record.stackVersion;
      const base = { name: record.name, stack: record.stack, current, steps: [], security: false, newest: current, downloadBytes: 0, downtimeS: 0 };
      return { ...base, passphraseKept, error: toEngawaError(e).toJSON() };
    }
  };

  /** One automatic security update of `name` as an operation (OpKind 'update'); resolves when it ends. Skips are logged. */
  const runAuto = async (name: string): Promise<void> => {
    if (backups === undefined) return;
    const skip = (why: string): void => log(`the automatic security update of "${name}" is skipped: ${why}`);
    let decision: Awaited<ReturnType<typeof securityTarget>>;
    try {
      decision = await securityTarget(manager, name);
    } catch (e) {
      if (!isEngawaError(e, 'NOT_FOUND')) throw e;
      log(`"${name}" is gone: its update policy is removed`);
      await forget(name);
      return;
    }
    if ('skip' in decision) {
      if (decision.skip !== 'no-security-release') skip(decision.skip === 'not-running' ? 'the server is not running' : 'an update has not finished');
      return;
    }
    const passphrase = await kept(name);
    if (passphrase === undefined) return skip('no backup passphrase is kept (the update backs up first)');
    const { target } = decision;
    try {
      await ops.run(
        'update',
        name,
        SCHEDULER_CLIENT,
        async (op) => {
          log(`installing the security release ${target} on "${name}" by itself (its update policy)`);
          const r = await updateInstance(await backups.deps(), name, {
            to: target,
            passphrase,
            signal: op.signal,
            onProgress: op.onProgress,
            onBytes: (p) => op.onProgress({ kind: 'bytes', ...p }),
          });
          log(`"${name}" now runs ${target} (down ${Math.round(r.downtimeMs / 1000)} s)`);
        },
        { cancellable: false },
      );
    } catch (e) {
      // another operation (a backup) holds the server: the next day's run tries again
      if (!isEngawaError(e, 'BUSY')) throw e;
      skip('the server is busy');
    }
  };

  const scheduler = new UpdateScheduler(
    (name) => runAuto(name),
    (name, e) => log(`the automatic security update of "${name}" failed: ${e.message}`),
    backups?.now,
  );
  let reload: NodeJS.Timeout | undefined;
  let loadedAt = -1;
  const arm = async (): Promise<void> => {
    loadedAt = await policies.changedAt();
    scheduler.set(await policies.list());
  };
  const forget = async (name: string): Promise<void> => {
    if ((await policies.get(name)).mode === 'notify') return;
    await policies.set({ instance: name, mode: 'notify' });
    await arm();
  };
  const policyInfo = async (name: string): Promise<UpdatePolicyInfo> => {
    const p = await policies.get(name);
    return { mode: p.mode, at: p.at ?? null, nextRun: p.mode === 'notify' ? null : (scheduler.due()[name]?.toISOString() ?? null) };
  };

  const handlers: Pick<Handlers, UpdateMethod> = {
    'updates.list': async () => Promise.all((await manager.list()).map(infoOf)),

    'updates.run': async ({ name, to, passphrase }, client) => {
      const b = need();
      const record = await ready(name);
      if (!record.update) {
        // an unknown release, a downgrade, no way there: INVALID_INPUT now (an unfinished update resumes instead)
        const path = stepsTo(manager.baseRecipeOf(record), record, to);
        if (path.length === 0) {
          throw new EngawaError('STATE', `"${name}" already runs ${record.stackVersion}, the newest release it can update to.`, {
            reason: 'up-to-date',
            name,
            current: record.stackVersion,
          });
        }
      }
      const pass = await passphraseOf(name, passphrase, 'An update makes a backup first: it');
      if (passphrase !== undefined) await keepPassphrase(b.secrets, name, passphrase);
      return ops.start(
        'update',
        name,
        client,
        async (op) => {
          await updateInstance(await b.deps(), name, {
            ...(to !== undefined && { to }),
            passphrase: pass,
            signal: op.signal,
            onProgress: op.onProgress,
            onBytes: (p) => op.onProgress({ kind: 'bytes', ...p }),
          });
          return undefined;
        },
        // stopped midway, it would have to go back: an update runs to its end (or rolls back by itself)
        { cancellable: false },
      );
    },

    'updates.rollbackPreview': async ({ name }) => {
      const b = need();
      lastUpdateOf(await ready(name));
      const p = await rollbackPreview(await b.deps(), name);
      const preview: RollbackPreviewInfo = {
        name: p.name,
        current: p.current,
        to: p.to,
        backup: p.backup,
        backupAt: p.backupAt,
        since: p.since.map((s) => ({ table: s.table, then: s.then, now: s.now })),
      };
      return preview;
    },

    'updates.rollback': async ({ name, passphrase }, client) => {
      const b = need();
      lastUpdateOf(await ready(name));
      const pass = await passphraseOf(name, passphrase, 'Going back restores the backup made before the update: it');
      return ops.start(
        'rollback',
        name,
        client,
        async (op) => {
          await rollbackInstance(await b.deps(), name, { passphrase: pass, signal: op.signal, onProgress: op.onProgress });
          return undefined;
        },
        { cancellable: false },
      );
    },

    'updates.confirm': async ({ name }) => {
      const b = need();
      const record = await ready(name);
      if (!record.lastUpdate) throw new EngawaError('STATE', `"${name}" has no update to confirm.`, { reason: 'no-rollback', name });
      return { removed: (await confirmUpdate(await b.deps(), name)).removedVolumes.length };
    },

    'updates.policy.get': async ({ name }) => {
      await manager.get(name);
      return policyInfo(name);
    },

    'updates.policy.set': async ({ name, mode, at, passphrase }) => {
      const b = need();
      await manager.get(name);
      const policy: UpdatePolicy = checkPolicy({ instance: name, mode, ...(at !== undefined && { at }) });
      if (policy.mode === 'auto-security') {
        await passphraseOf(name, passphrase, 'An automatic update makes a backup first: it');
        if (passphrase !== undefined) await keepPassphrase(b.secrets, name, passphrase);
      }
      await policies.set(policy);
      await arm();
      return policyInfo(name);
    },
  };

  return {
    handlers,
    async start(name, op) {
      const record = await manager.get(name);
      // only an interrupted update needs the update layer (and Docker's streams, for a rollback's restore)
      if (!record.update || backups === undefined) return manager.start(name, op);
      const passphrase = await kept(name);
      await startInstance(await backups.deps(), name, { onProgress: op.onProgress, signal: op.signal, ...(passphrase !== undefined && { passphrase }) });
    },

    async startScheduler() {
      if (backups === undefined) return;
      await arm().catch((e: unknown) => log(`cannot read the update policies: ${toEngawaError(e).message}`));
      reload = setInterval(() => {
        policies
          .changedAt()
          .then((t) => (t !== loadedAt ? arm() : undefined))
          .catch((e: unknown) => log(`cannot reload the update policies: ${toEngawaError(e).message}`));
      }, backups.reloadMs ?? 60_000);
      reload.unref?.();
    },

    forget,

    stop() {
      if (reload !== undefined) clearInterval(reload);
      scheduler.stop();
    },
  };
}

/** The update layer's view as the contract carries it (the passphrase flag is added by the caller). */
function toInfo(i: ReturnType<typeof updateInfo>, record: InstanceRecord): Omit<InstanceUpdateInfo, 'passphraseKept'> {
  const last = record.lastUpdate;
  return {
    name: i.name,
    stack: i.stack,
    current: i.current,
    ...(i.target !== undefined && { target: i.target }),
    steps: i.steps.map((s) => ({
      from: s.from,
      to: s.to,
      security: s.security,
      ...(s.notesUrl !== undefined && { notesUrl: s.notesUrl }),
      services: [...s.services],
      dataMoves: [...s.dataMoves],
    })),
    security: i.security,
    newest: i.newest,
    downloadBytes: i.downloadBytes,
    downtimeS: i.downtimeS,
    ...(i.unfinished && { unfinished: { to: i.unfinished.to, phase: i.unfinished.phase } }),
    ...(last?.backup && { rollback: { to: last.from, updatedTo: last.to, backup: last.backup, at: last.at, downtimeMs: last.downtimeMs } }),
  };
}

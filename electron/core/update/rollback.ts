/**
 * Going back from an update: by itself when a step of the update fails (a migration, a switch that
 * never turns healthy, a crash loop), or when the user asks afterwards. Either way the image alone
 * is never rolled back: the new release is stopped, the pre-update backup is restored into fresh
 * volumes by the old release (as a restore does: verified first, checked healthy before the swap),
 * and the volumes the new release had touched are kept (`beforeRestore`) until the user confirms.
 * The failed attempt's last log lines are kept in `<home>/logs`.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic';
import { EngawaError, toEngawaError } from '../util/errors';
import { asStep as step } from '../util/progress';
import { projectName, type InstanceRecord, type OperationTx, type UpdateProgress } from '../instances';
import { backupContents } from '../backup/contents';
import type { ProbeValues } from '../backup/manifest';
import { measureProbes } from '../backup/probes';
import { restoreUnderLock } from '../backup/restore';
import { verifyBackup } from '../backup/verify';
import { redact } from '../plan/redact';
import type { Recipe } from '../stacks/types';
import { changedServices } from '../stacks/releases';
import { failureOf, restoreOpts, write } from './steps';
import type { UpdateDeps, UpdateOptions, UpdateResult } from './types';

/**
 * Rolls the record's update back after `cause` made a step fail, then throws ROLLED_BACK saying in
 * one sentence what failed (naming the service) and that the server is back. When the failure came
 * before the pre-update backup, nothing had changed: the update marker is cleared and `cause` thrown.
 */
export async function rollbackUnderLock(
  deps: UpdateDeps,
  tx: OperationTx,
  recipe: Recipe,
  start: InstanceRecord,
  cause: unknown,
  opts: Pick<UpdateOptions, 'passphrase' | 'onProgress' | 'signal' | 'healthTimeoutMs' | 'workFactor'>,
): Promise<UpdateResult> {
  const u = start.update as UpdateProgress;
  const failure = failureOf(cause);
  if (u.backup === undefined) {
    const { update: _u, ...rest } = start;
    await tx.write(rest);
    throw cause;
  }
  if (opts.passphrase === '') {
    throw new EngawaError(
      'INVALID_INPUT',
      `The update to ${u.to} failed (${failure.message}); going back needs the passphrase of the backup made before it. Give it, and start the server again.`,
      { reason: 'passphrase-needed', backup: u.backup },
    );
  }
  const logFile = await keepLogs(deps, start, recipe, u);
  let record = await write(tx, start, { ...u, phase: 'rolling-back', failure: failure.message });
  try {
    await step(opts.onProgress, `Go back to ${u.from}`, async () => {
      await deps.engine.stop(projectName(tx.name)).catch(() => undefined);
      const verified = await verifyBackup(deps, u.backup as string, { passphrase: opts.passphrase });
      record = { ...record, stackVersion: u.from };
      await tx.write(record);
      await restoreUnderLock(deps, tx, u.backup as string, verified, {
        passphrase: opts.passphrase,
        ...restoreOpts(opts),
        record: (r) => {
          const { update: _u, ...rest } = r;
          return { ...rest, stackVersion: u.from };
        },
      });
    });
  } catch (e) {
    const err = toEngawaError(e);
    throw new EngawaError(
      err.code,
      `The update to ${u.to} failed (${failure.message}), and going back to ${u.from} failed too: ${err.message} Your data is safe in the backup ${path.basename(u.backup)}; start the server to try again.`,
      { ...err.details, backup: u.backup },
      { cause: e },
    );
  }
  throw await rolledBack(tx, u, failure, logFile);
}

/**
 * A data move failed before its swap, or its swap was undone (restore.ts puts the record and the
 * containers back): the old release is started on the data it never left, and ROLLED_BACK thrown.
 */
export async function backOnOldData(
  deps: UpdateDeps,
  tx: OperationTx,
  start: InstanceRecord,
  cause: unknown,
  opts: Pick<UpdateOptions, 'onProgress' | 'signal' | 'healthTimeoutMs'>,
): Promise<never> {
  const u = start.update as UpdateProgress;
  const failure = failureOf(cause);
  const { update: _u, ...record } = { ...start, stackVersion: u.from };
  await step(opts.onProgress, `Go back to ${u.from}`, async () => {
    await tx.write(record);
    await deps.engine.apply(await deps.manager.planOf(record), {
      ...(opts.signal && { signal: opts.signal }),
      ...(opts.healthTimeoutMs !== undefined && { healthTimeoutMs: opts.healthTimeoutMs }),
    });
  });
  throw await rolledBack(tx, u, failure, undefined);
}

/** Records the rollback's sentence as the instance's last error; the ROLLED_BACK error to throw. */
async function rolledBack(tx: OperationTx, u: UpdateProgress, failure: ReturnType<typeof failureOf>, logFile: string | undefined): Promise<EngawaError> {
  const what = failure.service !== undefined ? `${failure.service} did not work on ${u.to}` : `a step of the update to ${u.to} failed`;
  const message = `The update failed (${what}: ${firstSentence(failure.message)}); Engawa went back to ${u.from} with the data exactly as it was before the update.`;
  const back = await tx.get();
  await tx.write({ ...back, lastError: { code: 'ROLLED_BACK', message } });
  return new EngawaError('ROLLED_BACK', message, {
    from: u.from,
    to: u.to,
    ...(failure.service !== undefined && { service: failure.service }),
    ...(failure.lastLogLines && { lastLogLines: failure.lastLogLines }),
    ...(logFile !== undefined && { logFile }),
    ...(u.backup !== undefined && { backup: u.backup }),
  });
}

function firstSentence(text: string): string {
  const s = text.split(/(?<=\.)\s/)[0] ?? text;
  return s.replace(/\.$/, '');
}

/** Saves the last log lines of the services the update changed (secrets redacted); the file's path, or undefined when none could be read. */
async function keepLogs(deps: UpdateDeps, record: InstanceRecord, recipe: Recipe, u: UpdateProgress): Promise<string | undefined> {
  try {
    const services = changedServices(recipe, u.stepFrom, u.to);
    const secrets = Object.values(await deps.secrets.get(record.name)).filter((v) => v.length >= 6);
    const lines: string[] = [];
    for (const service of services) {
      await deps.engine.logs(projectName(record.name), { service, tail: 200 }, (l) => lines.push(`${l.time} ${l.service} ${redact(l.line, secrets)}`));
    }
    const dir = path.join(deps.home, 'logs');
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `${record.name}-update-to-${u.to.replace(/[^A-Za-z0-9.-]/g, '_')}-${new Date().toISOString().replace(/[:.]/g, '')}.log`);
    await writeFileAtomic(file, `${lines.join('\n')}\n`);
    return file;
  } catch {
    return undefined;
  }
}

/** What a manual rollback would do: the release it goes back to, the backup, and what changed since (it would be lost). */
export interface RollbackPreview {
  name: string;
  current: string;
  to: string;
  backup: string;
  backupAt: string;
  /** rows by `service/table` at the backup and now (what was posted since is lost) */
  since: { table: string; then: number; now: number }[];
}

export async function rollbackPreview(deps: UpdateDeps, name: string): Promise<RollbackPreview> {
  const record = await deps.manager.get(name);
  const last = lastUpdateOf(record);
  const recipe = deps.manager.recipeOf(record, { lenient: true });
  const plan = await deps.manager.planFor(name, { lenient: true });
  const now = await measureProbes(deps.docker, recipe, plan, backupContents(recipe, plan), await deps.secrets.get(name)).catch((): ProbeValues => ({}));
  const since = Object.entries(last.tables ?? {}).map(([table, then]) => ({ table, then, now: now.tables?.[table] ?? -1 }));
  return { name, current: record.stackVersion, to: last.from, backup: last.backup, backupAt: last.backupAt ?? last.at, since };
}

/** Back to the release and data before the last update, from its pre-update backup. */
export async function rollbackInstance(
  deps: UpdateDeps,
  name: string,
  opts: Pick<UpdateOptions, 'passphrase' | 'onProgress' | 'signal' | 'healthTimeoutMs' | 'workFactor'>,
): Promise<{ name: string; from: string; to: string }> {
  const first = await deps.manager.get(name);
  lastUpdateOf(first);
  return deps.manager.runOperation(name, 'rollback', async (tx) => {
    const record = await tx.get();
    const last = lastUpdateOf(record);
    const verified = await step(opts.onProgress, 'Check the backup made before the update', () =>
      verifyBackup(deps, last.backup, { passphrase: opts.passphrase }),
    );
    await step(opts.onProgress, `Go back to ${last.from}`, () =>
      restoreUnderLock(deps, tx, last.backup, verified, {
        passphrase: opts.passphrase,
        ...restoreOpts(opts),
        record: (r) => {
          const { lastUpdate: _l, ...rest } = r;
          return { ...rest, stackVersion: last.from };
        },
      }),
    );
    return { name, from: record.stackVersion, to: last.from };
  });
}

/** The record's last update when it can be undone; STATE (reason 'unfinished-update' | 'no-rollback') otherwise. */
export function lastUpdateOf(record: InstanceRecord): NonNullable<InstanceRecord['lastUpdate']> {
  if (record.update) {
    throw new EngawaError(
      'STATE',
      `An update of "${record.name}" to ${record.update.target} has not finished; start the server or run the update again first.`,
      { reason: 'unfinished-update', name: record.name },
    );
  }
  if (!record.lastUpdate?.backup) {
    throw new EngawaError('STATE', `"${record.name}" has no update to go back from.`, { reason: 'no-rollback', name: record.name });
  }
  return record.lastUpdate;
}

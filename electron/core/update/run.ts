/**
 * Updating an instance to a newer release of its stack, as one operation under the instance's lock
 * (`runOperation`, op 'update'). Every phase is written to the record (`InstanceRecord.update`)
 * before it starts, so a killed update is finished or rolled back by the next `update` or `start`
 * (resume.ts). Steps:
 * 1. preflight: the engine answers, every service is healthy, the disk has room for the new images
 *    and the backup — nothing is written before this;
 * 2. pull every image of every release on the path while the old release keeps serving;
 * 3. the pre-update backup: a full backup, verified entry by entry, kept outside retention;
 * 4. per release on the path: its pre-upgrade steps on the new images (Mastodon: the migrations
 *    that are safe before the switch), the switch (changed services recreated, wait healthy, with
 *    the release's own time for migrations at start), its post-upgrade steps; or, when the release
 *    changes a data format (a PostgreSQL major), a data move: the backup restored into fresh
 *    volumes by the new release and swapped in, the old volumes kept until confirmed;
 * 5. record the new release and the last update (a manual rollback returns to it).
 * A failure in step 4 rolls back by itself (rollback.ts): nothing the user had is lost.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { EngawaError, isEngawaError } from '../util/errors';
import { asStep as step } from '../util/progress';
import { imagesOf } from '../stacks/plan';
import { dataMoves, recipeAt } from '../stacks/releases';
import type { Recipe, StackRelease } from '../stacks/types';
import { projectName, type InstanceRecord, type OperationTx, type UpdateProgress } from '../instances';
import { backupUnderLock } from '../backup/create';
import { assertFreeSpace, defaultBackupDir, keepBackup } from '../backup/files';
import type { Plan } from '../plan/types';
import { restoreUnderLock } from '../backup/restore';
import { verifyBackup, type Verified } from '../backup/verify';
import { backOnOldData, rollbackUnderLock } from './rollback';
import { stepsTo } from './available';
import { progressOf, restoreOpts, write } from './steps';
import type { UpdateDeps, UpdateOptions, UpdateResult } from './types';

/** Free space kept beyond the estimates, on the engine's disk and in the backup folder. */
const SLACK = 512 * 1024 * 1024;

/** A new update of a record that has none in progress (under the lock). */
export async function freshUpdate(deps: UpdateDeps, tx: OperationTx, recipe: Recipe, start: InstanceRecord, opts: UpdateOptions): Promise<UpdateResult> {
  const path = stepsTo(recipe, start, opts.to);
  const from = start.stackVersion;
  const target = path.at(-1)?.version;
  if (target === undefined) return { name: tx.name, from, to: from, updated: false, steps: [], downtimeMs: 0 };
  const moves = path.some((r, i) => dataMoves(recipe, i === 0 ? from : (path[i - 1] as StackRelease).version, r.version).length > 0);
  const plans = await Promise.all(path.map((r) => deps.manager.planOf({ ...start, stackVersion: r.version })));
  const images = [...new Set(plans.flatMap(imagesOf))];
  await step(opts.onProgress, 'Check the server can be updated', () => preflight(deps, start, images, path, opts));

  let record = await write(tx, start, {
    from,
    stepFrom: from,
    to: (path[0] as StackRelease).version,
    target,
    phase: 'pulling',
    startedAt: new Date().toISOString(),
  });
  let made: { file: string; verified: Verified };
  try {
    await step(opts.onProgress, 'Download the new release', () => deps.engine.ensureImages(images, { ...progressOf(opts) }));
    opts.afterPhase?.('pulled');
    record = await write(tx, record, { ...(record.update as UpdateProgress), phase: 'backing-up' });
    // a data move restores the backup: what is written after it would be lost, so only the databases run
    if (moves) await step(opts.onProgress, 'Stop the server for the data move', () => stopAllBut(deps, record, databaseServices(recipe)));
    made = await preUpdateBackup(deps, record, target, opts);
  } catch (e) {
    // nothing of the server changed yet: the record goes back as it was, the server runs as it did
    await tx.write(start);
    if (moves) await deps.engine.apply(await deps.manager.planOf(start), progressOf(opts)).catch(() => undefined);
    throw e;
  }
  const { file, verified } = made;
  const tables = Object.fromEntries(Object.entries(verified.manifest.probes.tables ?? {}).map(([t, [, hi]]) => [t, hi]));
  record = await write(tx, record, { ...(record.update as UpdateProgress), phase: 'pre-upgrade', backup: file, backupAt: verified.manifest.createdAt, tables });
  opts.afterPhase?.('backed-up');
  return forward(deps, tx, recipe, record, opts, verified);
}

/**
 * Runs the remaining releases of the record's update from its phase on, then records the result.
 * A failure rolls back (the pre-update backup) and throws ROLLED_BACK.
 */
export async function forward(
  deps: UpdateDeps,
  tx: OperationTx,
  recipe: Recipe,
  start: InstanceRecord,
  opts: UpdateOptions,
  verified?: Verified,
): Promise<UpdateResult> {
  let record = start;
  const u = start.update as UpdateProgress;
  const steps: UpdateResult['steps'] = [];
  let downtimeMs = 0;
  try {
    let progress: UpdateProgress = u;
    for (;;) {
      const at = progress;
      const result = await step(opts.onProgress, `Update to ${at.to}`, () => oneRelease(deps, tx, recipe, record, at, opts, verified));
      record = result.record;
      downtimeMs += result.downtimeMs;
      steps.push({ from: at.stepFrom, to: at.to, downtimeMs: result.downtimeMs });
      if (at.to === at.target) break;
      const next = stepsTo(recipe, record, at.target)[0] as StackRelease;
      progress = { ...at, stepFrom: at.to, to: next.version, phase: 'pre-upgrade' };
      record = await write(tx, record, progress);
    }
  } catch (e) {
    if (isEngawaError(e, 'ROLLED_BACK')) throw e; // a data move that went back by itself
    // going back must finish even when the update was cancelled: the rollback gets no signal
    const { signal: _s, ...rest } = opts;
    return rollbackUnderLock(deps, tx, recipe, await tx.get(), e, rest);
  }
  const { update: _u, ...rest } = record;
  const done: InstanceRecord = {
    ...rest,
    lastUpdate: {
      from: u.from,
      to: u.target,
      at: new Date().toISOString(),
      backup: u.backup ?? '',
      downtimeMs,
      ...(u.backupAt !== undefined && { backupAt: u.backupAt }),
      ...(u.tables && { tables: u.tables }),
    },
  };
  await tx.transition(done, 'end');
  return { name: tx.name, from: u.from, to: u.target, updated: true, steps, downtimeMs, ...(u.backup !== undefined && { backup: u.backup }) };
}

/** One release of the path, from the phase the record is in. */
async function oneRelease(
  deps: UpdateDeps,
  tx: OperationTx,
  recipe: Recipe,
  start: InstanceRecord,
  u: UpdateProgress,
  opts: UpdateOptions,
  verified?: Verified,
): Promise<{ record: InstanceRecord; downtimeMs: number }> {
  const from = u.stepFrom;
  let record = start;
  const next: InstanceRecord = { ...record, stackVersion: u.to };
  const plan = await deps.manager.planOf(next);
  const moved = dataMoves(recipe, from, u.to);
  if (moved.length > 0 && (u.phase === 'pre-upgrade' || u.phase === 'switching')) {
    record = await write(tx, record, { ...u, phase: 'switching' });
    const t0 = Date.now();
    await step(opts.onProgress, `Move the data of ${moved.join(', ')} to the new format`, async () => {
      const v = verified ?? (await verifyBackup(deps, u.backup as string, { passphrase: opts.passphrase }));
      try {
        await restoreUnderLock(
          deps,
          tx,
          u.backup as string,
          { ...v, recipe: recipeAt(recipe, u.to) },
          {
            passphrase: opts.passphrase,
            ...restoreOpts(opts),
            record: (r) => ({ ...r, stackVersion: u.to, update: { ...u, phase: 'post-upgrade' } }),
          },
        );
      } catch (e) {
        // the restore changed nothing it did not put back: the old release runs on its own volumes
        return backOnOldData(deps, tx, await tx.get(), e, opts);
      }
    });
    opts.afterPhase?.('switched');
    record = await tx.get();
    const downtimeMs = Date.now() - t0;
    await postUpgrade(deps, plan, opts);
    return { record: await tx.get(), downtimeMs };
  }
  if (u.phase === 'pre-upgrade') {
    await runSteps(deps, plan, 'pre-upgrade', opts);
    opts.afterPhase?.('pre-upgrade');
  }
  let downtimeMs = 0;
  if (u.phase === 'pre-upgrade' || u.phase === 'switching') {
    record = await write(tx, next, { ...u, phase: 'switching' });
    tx.publish('starting');
    const t0 = Date.now();
    await step(opts.onProgress, `Switch to ${u.to}`, () =>
      deps.engine.apply(plan, {
        ...progressOf(opts),
        healthTimeoutMs: recipe.releases?.find((r) => r.version === u.to)?.switchTimeoutMs ?? opts.healthTimeoutMs ?? 180_000,
      }),
    );
    downtimeMs = Date.now() - t0;
    opts.afterPhase?.('switched');
  }
  record = await write(tx, { ...record, stackVersion: u.to }, { ...u, phase: 'post-upgrade' });
  await postUpgrade(deps, plan, opts);
  return { record: await tx.get(), downtimeMs };
}

async function postUpgrade(deps: UpdateDeps, plan: Plan, opts: UpdateOptions): Promise<void> {
  await runSteps(deps, plan, 'post-upgrade', opts);
  opts.afterPhase?.('post-upgrade');
}

/** Runs a plan's setup steps of `when`, in recipe order, their output as progress lines. */
async function runSteps(deps: UpdateDeps, plan: Plan, when: 'pre-upgrade' | 'post-upgrade', opts: UpdateOptions): Promise<void> {
  for (const st of plan.setup.filter((s) => s.when === when)) {
    await step(opts.onProgress, st.description, () =>
      deps.engine.runStep(plan, st, {
        ...(opts.signal && { signal: opts.signal }),
        onLine: (_stream, line) => opts.onProgress?.({ kind: 'log', line }),
      }),
    );
  }
}

/** The engine answers, every service is ready, and there is room for the images and the backup. */
async function preflight(deps: UpdateDeps, record: InstanceRecord, images: string[], path: StackRelease[], opts: UpdateOptions): Promise<void> {
  const info = await deps.engine.info();
  const services = await deps.engine.status(projectName(record.name));
  const down = services.filter((s) => s.state !== 'running' || (s.health !== 'healthy' && s.health !== 'none'));
  if (services.length === 0 || down.length > 0) {
    throw new EngawaError(
      'STATE',
      `"${record.name}" must run and be healthy before an update (${down.map((s) => s.name).join(', ') || 'it is stopped'}); start it, then update.`,
      { name: record.name, services: down.map((s) => s.name), reason: 'not-healthy' },
    );
  }
  const usage = (await deps.engine.volumeUsage?.(projectName(record.name))) ?? [];
  const data = usage.reduce((n, v) => n + Math.max(0, v.bytes ?? 0), 0);
  const download = path.reduce((n, r) => n + (r.downloadMiB ?? 0) * 1024 * 1024, 0);
  const dockerFree = info.freeDiskBytes;
  if (dockerFree !== undefined && dockerFree < download + SLACK) {
    throw new EngawaError('DISK_FULL', `Docker's disk has too little room for the new release (${images.length} images); make room, then update.`, {
      needed: download + SLACK,
      free: dockerFree,
      where: 'engine',
    });
  }
  const dir = backupDir(deps, opts);
  await mkdir(dir, { recursive: true });
  await assertFreeSpace(dir, data + SLACK);
}

const backupDir = (deps: UpdateDeps, opts: UpdateOptions): string => path.resolve(opts.backupDir ?? defaultBackupDir(deps.home));

async function preUpdateBackup(deps: UpdateDeps, record: InstanceRecord, target: string, opts: UpdateOptions): Promise<{ file: string; verified: Verified }> {
  const made = await step(opts.onProgress, `Back up before the update to ${target}`, () =>
    backupUnderLock(deps, record.name, {
      passphrase: opts.passphrase,
      out: backupDir(deps, opts),
      ...(opts.workFactor !== undefined && { workFactor: opts.workFactor }),
      ...progressOf(opts),
      ...(opts.onBytes && { onBytes: opts.onBytes }),
    }),
  );
  opts.afterPhase?.('backup-written');
  const verified = await step(opts.onProgress, 'Check the backup', () => verifyBackup(deps, made.path, { passphrase: opts.passphrase }));
  await keepBackup(made.path, { reason: 'before-update', from: record.stackVersion, to: target });
  return { file: made.path, verified };
}

/** Stops every service of the instance except `keep` (the databases a backup dumps). */
async function stopAllBut(deps: UpdateDeps, record: InstanceRecord, keep: string[]): Promise<void> {
  const project = projectName(record.name);
  const containers = await deps.docker.listContainers({ all: false, filters: { label: [`com.docker.compose.project=${project}`, 'app.engawa.role=service'] } });
  for (const c of containers) {
    if (keep.includes(c.Labels['com.docker.compose.service'] ?? '')) continue;
    await deps.docker.getContainer(c.Id).stop({ t: 30 });
  }
}

const databaseServices = (recipe: Recipe): string[] => (recipe.backup?.databases ?? []).map((d) => d.service);

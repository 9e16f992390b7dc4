/**
 * The update layer's entry points: `updateInstance` (a new update, or the rest of an interrupted
 * one) and `startInstance` (a start that first finishes or rolls back an interrupted update).
 * What they do: run.ts, resume.ts, rollback.ts.
 */
import { EngawaError } from '../util/errors';
import type { OpOptions } from '../instances';
import { confirmRestore } from '../backup/restore';
import { releaseBackup } from '../backup/files';
import { stepsTo } from './available';
import { resumeUnderLock } from './resume';
import { freshUpdate } from './run';
import type { UpdateDeps, UpdateOptions, UpdateResult } from './types';

/** Updates instance `name` (see run.ts); refuses bad targets before taking the lock. */
export async function updateInstance(deps: UpdateDeps, name: string, opts: UpdateOptions): Promise<UpdateResult> {
  const first = await deps.manager.get(name);
  if (first.pending)
    throw new EngawaError('STATE', `"${name}" is not fully ${first.pending === 'create' ? 'created' : 'deleted'}; finish that first.`, { name });
  const recipe = deps.manager.baseRecipeOf(first);
  if (!first.update) stepsTo(recipe, first, opts.to);
  return deps.manager.runOperation(name, 'update', async (tx) => {
    const record = await tx.get();
    if (record.update) return resumeUnderLock(deps, tx, recipe, record, opts, 'update');
    return freshUpdate(deps, tx, recipe, record, opts);
  });
}

/** Starts instance `name`; an interrupted update is first finished or rolled back (resume.ts). */
export async function startInstance(
  deps: UpdateDeps,
  name: string,
  opts: OpOptions & Partial<Pick<UpdateOptions, 'passphrase' | 'workFactor' | 'healthTimeoutMs'>>,
): Promise<void> {
  const first = await deps.manager.get(name);
  if (!first.update) return deps.manager.start(name, opts);
  const recipe = deps.manager.baseRecipeOf(first);
  await deps.manager.runOperation(name, 'update', async (tx) => {
    const record = await tx.get();
    if (!record.update) return;
    await resumeUnderLock(deps, tx, recipe, record, { ...opts, passphrase: opts.passphrase ?? '' }, 'start');
  });
}

/**
 * The user is happy with the last update: the rollback offer goes, its pre-update backup goes back
 * under retention (it is not deleted), and the volumes a data move replaced are deleted.
 */
export async function confirmUpdate(deps: UpdateDeps, name: string): Promise<{ name: string; removedVolumes: string[] }> {
  const first = await deps.manager.get(name);
  if (!first.lastUpdate) throw new EngawaError('STATE', `"${name}" has no update to confirm.`, { reason: 'no-rollback', name });
  const removedVolumes = first.beforeRestore?.length ? await confirmRestore(deps, name) : [];
  await deps.manager.runOperation(name, 'update', async (tx) => {
    const record = await tx.get();
    if (!record.lastUpdate) return;
    if (record.lastUpdate.backup) await releaseBackup(record.lastUpdate.backup);
    const { lastUpdate: _l, ...rest } = record;
    await tx.write(rest);
  });
  return { name, removedVolumes };
}

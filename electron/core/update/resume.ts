/**
 * An update that was interrupted (the process killed, the PC off) is finished or rolled back by the
 * next `update` or `start`, from the phase its record says:
 * - 'pulling', 'backing-up': nothing of the server had changed; an update starts over, a start
 *   just starts the release the server is on;
 * - 'pre-upgrade', 'switching', 'post-upgrade': the data may be half migrated; the update goes on
 *   from that phase (every step is safe to run again) and rolls back if it fails;
 * - 'rolling-back': the rollback runs again.
 */
import { EngawaError } from '../util/errors';
import type { InstanceRecord, OperationTx, UpdateProgress } from '../instances';
import type { Recipe } from '../stacks/types';
import { rollbackUnderLock } from './rollback';
import { forward, freshUpdate } from './run';
import { progressOf } from './steps';
import type { UpdateDeps, UpdateOptions, UpdateResult } from './types';

export async function resumeUnderLock(
  deps: UpdateDeps,
  tx: OperationTx,
  recipe: Recipe,
  record: InstanceRecord,
  opts: UpdateOptions,
  mode: 'update' | 'start',
): Promise<UpdateResult> {
  const u = record.update as UpdateProgress;
  opts.onProgress?.({ kind: 'log', line: `An update to ${u.target} was interrupted (${u.phase}); ${u.phase === 'rolling-back' ? 'going back' : 'going on'}.` });
  if (u.phase === 'pulling' || u.phase === 'backing-up') {
    const { update: _u, ...rest } = record;
    await tx.write(rest);
    if (mode === 'update') return freshUpdate(deps, tx, recipe, rest, { ...opts, to: opts.to ?? u.target });
    tx.publish('starting');
    await deps.engine.apply(await deps.manager.planOf(rest), progressOf(opts));
    await tx.transition(rest, 'end');
    return { name: tx.name, from: rest.stackVersion, to: rest.stackVersion, updated: false, steps: [], downtimeMs: 0 };
  }
  if (u.phase === 'rolling-back') {
    return rollbackUnderLock(deps, tx, recipe, record, new EngawaError('UNHEALTHY', u.failure ?? 'The update was interrupted.'), opts);
  }
  return forward(deps, tx, recipe, record, opts);
}

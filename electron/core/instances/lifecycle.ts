/**
 * Starting, stopping and restarting an instance's containers (its data stays). Each is idempotent,
 * so an interrupted one is simply run again. An instance that is not fully created or partly
 * deleted is refused: create or destroy has to be run again first.
 */
import { EngawaError } from '../util/errors';
import { projectName, withOpts, type InstanceContext } from './context';
import { runOperation } from './operation';
import type { OpOptions } from './types';

/** Runs `op` on the instance's containers and records the outcome; start and restart wait until healthy. */
export async function runLifecycle(ctx: InstanceContext, name: string, op: 'start' | 'stop' | 'restart', opts: OpOptions): Promise<void> {
  await ctx.get(name);
  await runOperation(ctx, name, op, async (tx) => {
    let record = await tx.get();
    if (record.pending === 'create') {
      throw new EngawaError('STATE', `"${name}" was not fully created; run create again to finish it, or destroy it.`, { name });
    }
    if (record.pending === 'destroy') {
      throw new EngawaError('STATE', `"${name}" was partly deleted; run destroy again to finish.`, { name });
    }
    const engine = await ctx.engine();
    if (op !== 'stop') record = await tx.movePortsOffReserved(record);
    const plan = op === 'stop' ? undefined : await ctx.planFor(name);
    if (plan) await tx.assertPortsFree(record);
    record = await tx.transition(record, 'begin');
    try {
      if (op !== 'start') await engine.stop(projectName(name), opts.signal ? { signal: opts.signal } : {});
      if (plan) await engine.start(plan, withOpts(opts));
      await tx.transition(record, 'end');
    } catch (e) {
      await tx.failed(record, e);
      throw e;
    }
  });
}

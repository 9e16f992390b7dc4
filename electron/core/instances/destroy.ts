/**
 * Deleting an instance: containers, network, volumes, then its tunnel and DNS records, secrets and
 * record, in that order, so an interrupted destroy can be run again (the record stays with
 * `pending: 'destroy'`). It also removes an instance whose creation failed.
 */
import { projectName, type InstanceContext } from './context';
import { runOperation } from './operation';
import { teardownTunnel } from '../tunnel/instance-tunnel';
import type { InstanceRecord, OpOptions } from './types';

/** Deletes the instance; see the module comment. */
export async function destroyInstance(ctx: InstanceContext, name: string, opts: OpOptions): Promise<void> {
  await ctx.get(name);
  await runOperation(ctx, name, 'destroy', async (tx) => {
    let record = await tx.read();
    if (record === undefined) return; // destroyed meanwhile
    const engine = await ctx.engine();
    record = await tx.transition(record, 'begin', 'destroy');
    const step = 'Delete containers, volumes and secrets';
    opts.onProgress?.({ kind: 'step', step, state: 'start' });
    try {
      await engine.remove(projectName(name));
      if (record.tunnel !== null) {
        // after the connector is gone: the tunnel, then only our DNS records (progress kept for a re-run)
        await teardownTunnel(
          record.tunnel,
          await ctx.deps.secrets.get(name),
          async (t) => {
            record = { ...(record as InstanceRecord), tunnel: t };
            await tx.write(record);
          },
          ctx.tunnelContext(opts, record),
        );
      }
      await ctx.deps.secrets.delete(name);
      await tx.remove();
    } catch (e) {
      opts.onProgress?.({ kind: 'step', step, state: 'failed' });
      await tx.failed(record, e);
      throw e;
    }
    opts.onProgress?.({ kind: 'step', step, state: 'done' });
  });
}

/**
 * `instances.disk`: the disk an instance's volumes use, each marked with what a backup does with it
 * (the recipe's `backup`: data kept, cache left out by default, none never).
 */
import type { InstanceDiskUse, VolumeDiskUse } from '../../shared/contract';
import type { VolumeUsage } from '../engine/disk';
import { EngawaError } from '../util/errors';
import { projectName } from '../instances';
import type { Services } from './wiring';

/** A recipe volume as far as disk use cares. */
export interface VolumeKind {
  name: string;
  backup: VolumeDiskUse['backup'];
}

/**
 * Marks each measured volume with its recipe volume's backup kind, in the recipe's order (volumes
 * whose key the recipe does not name come last, as 'none'). Pure.
 */
export function toInstanceDisk(usage: readonly VolumeUsage[], recipeVolumes: readonly VolumeKind[]): InstanceDiskUse {
  const order = new Map(recipeVolumes.map((v, i) => [v.name, i]));
  const kind = new Map(recipeVolumes.map((v) => [v.name, v.backup]));
  const rank = (u: VolumeUsage) => order.get(u.key) ?? recipeVolumes.length;
  const volumes = [...usage]
    .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))
    .map((u): VolumeDiskUse => ({ volume: u.name, key: u.key, bytes: u.bytes, backup: kind.get(u.key) ?? 'none' }));
  return { volumes, totalBytes: volumes.reduce((n, v) => n + (v.bytes ?? 0), 0) };
}

/** The handler of `instances.disk` over the composed services. */
export async function instanceDisk(services: Services, name: string): Promise<InstanceDiskUse> {
  const record = await services.manager.get(name);
  const engine = await services.engine();
  if (engine.volumeUsage === undefined) throw new EngawaError('UNSUPPORTED', 'This Docker connection cannot report disk use.');
  let recipeVolumes: VolumeKind[] = [];
  try {
    recipeVolumes = services.recipes.get(record.stack).volumes;
  } catch {
    // a recipe file that is gone: the volumes are still measured, their kind unknown
  }
  return toInstanceDisk(await engine.volumeUsage(projectName(name)), recipeVolumes);
}

/**
 * What a backup of an instance holds, from its recipe and plan: the databases dumped with their own
 * tool, the volumes copied as files ('data' ones, minus those a dumped database keeps its files in,
 * plus caches when asked), the volumes left out, and the services to stop during the copy.
 */
import { EngawaError } from '../util/errors';
import type { Plan, PlannedService, PlannedVolume } from '../plan/types';
import type { DatabaseBackup, Recipe } from '../stacks/types';

export interface BackupContents {
  databases: { spec: DatabaseBackup; service: PlannedService }[];
  volumes: PlannedVolume[];
  excluded: { volume: PlannedVolume; reason: 'cache' | 'none' }[];
  /** services that must be stopped while the volumes are copied */
  stop: string[];
}

/** Archive path of a database dump and of a volume's tar. */
export const dumpPath = (service: string): string => `databases/${service}.dump`;
export const volumePath = (key: string): string => `volumes/${key}.tar`;

function recipeBug(recipe: Recipe, what: string): EngawaError {
  return new EngawaError('INTERNAL', `The recipe "${recipe.id}" has a broken backup description: ${what}.`);
}

/** See the module comment; `includeCache` also copies 'cache' volumes. */
export function backupContents(recipe: Recipe, plan: Plan, opts: { includeCache?: boolean } = {}): BackupContents {
  const spec = recipe.backup ?? {};
  const service = (name: string): PlannedService => {
    const s = plan.services.find((x) => x.name === name);
    if (!s) throw recipeBug(recipe, `there is no service "${name}"`);
    return s;
  };
  const databases = (spec.databases ?? []).map((d) => {
    if (d.passwordSecret !== undefined && !recipe.secrets.some((s) => s.name === d.passwordSecret)) {
      throw recipeBug(recipe, `the secret "${d.passwordSecret}" is not declared`);
    }
    return { spec: d, service: service(d.service) };
  });
  const dumped = new Set(databases.flatMap((d) => d.service.mounts.map((m) => m.volume)));
  const stop = (spec.stopServices ?? []).map((n) => service(n).name);
  const volumes: PlannedVolume[] = [];
  const excluded: BackupContents['excluded'] = [];
  for (const v of plan.volumes) {
    if (dumped.has(v.key)) continue;
    if (v.backup === 'data' || (v.backup === 'cache' && opts.includeCache)) volumes.push(v);
    else excluded.push({ volume: v, reason: v.backup === 'cache' ? 'cache' : 'none' });
  }
  return { databases, volumes, excluded, stop };
}

/** The image of a service that mounts `volume` (a helper container needs an image that is present). */
export function imageFor(plan: Plan, volume: PlannedVolume): string {
  const user = plan.services.find((s) => s.mounts.some((m) => m.volume === volume.key));
  return (user ?? (plan.services[0] as PlannedService)).image;
}

/** Environment for running a database tool as the recipe's user. */
export function databaseEnv(d: DatabaseBackup, secrets: Record<string, string>): Record<string, string> {
  const password = d.passwordSecret !== undefined ? secrets[d.passwordSecret] : undefined;
  return password !== undefined ? { PGPASSWORD: password } : {};
}

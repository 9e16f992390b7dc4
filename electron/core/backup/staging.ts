/**
 * Bringing a backup's data up as a temporary, isolated instance: fresh volumes (named as asked),
 * filled from the archive (volumes through a helper container, databases with `pg_restore` into the
 * database service started alone first), then every service started on an internal network (no
 * tunnel, no way out to the internet, ports chosen by Docker) until healthy. Both the restore
 * (before it swaps anything) and the drill use it. Setup steps never run: the data is the backup's.
 * Of the backup's env overrides only those its recipe allows run (stacks/overrides.ts); the others
 * are reported as a progress step (DROPPED_STEP) with the list as its detail.
 */
import type Dockerode from 'dockerode';
import { EngawaError } from '../util/errors';
import { classifyEngineError } from '../engine/classify';
import { chownVolume } from '../engine/resources';
import { runningServiceContainer } from '../engine/setup-steps';
import { LABELS, type Plan } from '../plan/types';
import { plan as makePlan } from '../stacks/plan';
import { backupOverrides, describeDropped, type DroppedOverride, type EnvOverride } from '../stacks/overrides';
import type { Recipe } from '../stacks/types';
import { readArchive } from './archive-reader';
import { backupContents, databaseEnv, imageFor, type BackupContents } from './contents';
import { createVolume, execInput, importVolume } from './docker-io';
import type { Manifest } from './manifest';
import { asStep as step } from '../util/progress';
import type { BackupDeps, CommonOptions } from './types';

export interface StagingTarget {
  recipe: Recipe;
  manifest: Manifest;
  secrets: Record<string, string>;
  /** the temporary instance's name (its project is `engawa-<name>`) */
  instance: string;
  /** Docker volume name by volume key (default: the temporary instance's own) */
  volumeNames?: Record<string, string>;
  /** labels of the new volumes (default: the temporary instance's) */
  volumeLabels?: (key: string) => Record<string, string>;
  /** the image map kept with the instance the backup is of, when it exists here (never from the backup: images are behaviour) */
  images?: Record<string, string>;
  /** the overrides the copy runs with: those of the server it replaces (default: the backup's the recipe allows) */
  overrides?: EnvOverride[];
}

/** The progress step that says which of a backup's overrides are left out (its detail lists them). */
export const DROPPED_STEP = 'Leave out settings the backup may not change';

/** The overrides the temporary instance runs with, and the backup's that are left out. */
export function stagingOverrides(t: Pick<StagingTarget, 'recipe' | 'manifest' | 'overrides'>): { kept: EnvOverride[]; dropped: DroppedOverride[] } {
  return t.overrides !== undefined ? { kept: t.overrides, dropped: [] } : backupOverrides(t.recipe, t.manifest.instance.overrides);
}

/** Tells the user which of a backup's overrides are left out (nothing when none are). */
export function reportDropped(opts: Pick<CommonOptions, 'onProgress'>, dropped: readonly DroppedOverride[]): void {
  if (dropped.length === 0) return;
  opts.onProgress?.({ kind: 'step', step: DROPPED_STEP, state: 'start' });
  opts.onProgress?.({ kind: 'step', step: DROPPED_STEP, state: 'done', detail: describeDropped(dropped) });
}

/** The plan of the temporary instance. */
export function stagingPlan(deps: BackupDeps, t: StagingTarget): Plan {
  const m = t.manifest.instance;
  return makePlan(t.recipe, {
    instance: t.instance,
    domain: m.domain,
    secrets: t.secrets,
    settings: m.settings,
    overrides: stagingOverrides(t).kept,
    images: { ...t.images, ...deps.images },
    ...(t.volumeNames && { volumeNames: t.volumeNames }),
  });
}

/** Restores the archive's data and starts the temporary instance; see the module comment. */
export async function startStaging(deps: BackupDeps, file: string, t: StagingTarget, opts: CommonOptions): Promise<Plan> {
  const plan = stagingPlan(deps, t);
  reportDropped(opts, stagingOverrides(t).dropped);
  const contents = backupContents(t.recipe, plan, { includeCache: true });
  await deps.engine.remove(plan.project, { keepVolumes: t.volumeNames !== undefined });
  await step(opts.onProgress, 'Create new storage', async () => {
    for (const v of plan.volumes) {
      await createVolume(deps.docker, v.name, t.volumeLabels?.(v.key) ?? { ...v.labels, [LABELS.managed]: 'true' });
      await chownVolume(deps.docker, plan, v);
    }
    await createInternalNetwork(deps.docker, plan);
  });
  const healthOpts = {
    ...(opts.healthTimeoutMs !== undefined && { healthTimeoutMs: opts.healthTimeoutMs }),
    ...(opts.signal && { signal: opts.signal }),
  };
  let databasesUp = false;
  await step(opts.onProgress, 'Restore the data', () =>
    readArchive(file, {
      passphrase: opts.passphrase,
      ...(opts.signal && { signal: opts.signal }),
      ...(opts.onBytes && { onBytes: (n: number) => opts.onBytes?.({ step: 'Restore the data', current: n, total: 0 }) }),
      consume: async (entry, data) => {
        if (entry.kind === 'volume') {
          const v = plan.volumes.find((x) => x.key === entry.source);
          if (!v)
            throw new EngawaError('INVALID_INPUT', `This backup holds the storage "${entry.source}", which ${t.recipe.name} does not have.`, {
              reason: 'format',
            });
          await importVolume(deps.docker, plan.project, imageFor(plan, v), v.name, data);
          return;
        }
        const d = contents.databases.find((x) => x.service.name === entry.source);
        if (!d)
          throw new EngawaError('INVALID_INPUT', `This backup holds a database of "${entry.source}", which ${t.recipe.name} does not have.`, {
            reason: 'format',
          });
        if (!databasesUp) {
          await deps.engine.apply(databasesOnly(plan, contents), healthOpts);
          databasesUp = true;
        }
        if (entry.size === 0) throw new EngawaError('INVALID_INPUT', `The database dump of ${d.service.name} in this backup is empty.`, { reason: 'damaged' });
        const container = await runningServiceContainer(deps.docker, plan.project, d.service.name);
        // pg_restore reads exactly the dump's size: Docker can lose the end of an exec's input (moby's stdin close race)
        const restore = ['pg_restore', '-U', d.spec.user, '-d', d.spec.db, '--no-owner', `--role=${d.spec.user}`, '--exit-on-error', '--single-transaction'];
        const cmd = ['sh', '-c', 'head -c "$ENGAWA_BYTES" | "$@"', 'sh', ...restore];
        const env = { ...databaseEnv(d.spec, t.secrets), ENGAWA_BYTES: String(entry.size) };
        await execInput(container, cmd, env, data, `Restoring the database of ${d.service.name}`);
      },
    }),
  );
  await step(opts.onProgress, 'Start the restored copy', () => deps.engine.apply(plan, healthOpts));
  return plan;
}

/** The plan reduced to the database services (started alone to receive their dumps). */
function databasesOnly(plan: Plan, contents: BackupContents): Plan {
  const names = new Set(contents.databases.map((d) => d.service.name));
  return { ...plan, services: plan.services.filter((s) => names.has(s.name)), setup: [], http: [] };
}

/** The temporary instance's network, with no route out (Docker's `internal`). */
async function createInternalNetwork(docker: Dockerode, plan: Plan): Promise<void> {
  try {
    await docker.createNetwork({
      Name: plan.network.name,
      Driver: 'bridge',
      Internal: true,
      CheckDuplicate: true,
      Labels: { ...plan.network.labels, [LABELS.project]: plan.project, [LABELS.managed]: 'true' },
    });
  } catch (e) {
    throw classifyEngineError(e);
  }
}

/**
 * Bringing a backup's data up as a temporary, isolated instance: fresh volumes (named as asked),
 * filled from the archive in its one pass (archive-reader.ts `OpenArchive`): each volume's tar
 * streams into its new volume through a helper container while it is hashed and its inner tar
 * checked; the secrets come first (checked against the manifest, then accepted by the caller: a
 * restore's review). Each database dump streams into a private file and, once it matched its
 * checksum, into `pg_restore` in the database service, started alone, while the volumes stream on
 * (measured: npm run bench; the disk needs room for the dumps once more, for a while; an older
 * file holds the secrets last, and its dumps wait for them). Only when every entry matched its
 * manifest entry does every service start, on an internal network (no tunnel, no way out to the
 * internet, ports chosen by Docker) until healthy; the caller switches only after that. Whatever
 * fails, the new volumes and the temporary database hold data no one uses (the caller removes
 * them); the file is never read a second time. Both the restore (before it swaps anything) and
 * the drill use it. Setup steps never run: the data is the backup's.
 * Of the backup's env overrides only those its recipe allows run (stacks/overrides.ts); the others
 * are reported as a progress step (DROPPED_STEP) with the list as its detail.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type Dockerode from 'dockerode';
import { EngawaError } from '../util/errors';
import { classifyEngineError } from '../engine/classify';
import { chownVolume } from '../engine/resources';
import { runningServiceContainer } from '../engine/setup-steps';
import { LABELS, type Plan } from '../plan/types';
import { plan as makePlan } from '../stacks/plan';
import { backupOverrides, describeDropped, type DroppedOverride, type EnvOverride } from '../stacks/overrides';
import { generateSecrets } from '../stacks/secrets';
import type { Recipe } from '../stacks/types';
import type { OpenArchive } from './archive-reader';
import { backupContents, databaseEnv, imageFor, type BackupContents } from './contents';
import { createVolume, execInput, importVolume } from './docker-io';
import type { Manifest } from './manifest';
import { asStep as step } from '../util/progress';
import type { BackupDeps, CommonOptions } from './types';
import { checkListed, checkSecrets } from './verify';

export interface StagingTarget {
  recipe: Recipe;
  manifest: Manifest;
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
export function stagingPlan(deps: BackupDeps, t: StagingTarget & { secrets: Record<string, string> }): Plan {
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

/** What the one pass gave: the temporary instance's plan (with the backup's secrets) and those secrets. */
export interface Staged {
  plan: Plan;
  secrets: Record<string, string>;
}

/**
 * Restores the archive's data in its one pass and starts the temporary instance; see the module
 * comment. `accept` sees the secrets once read and checked against the manifest (first, in the
 * files Engawa writes), before any database starts: it may refuse them (throw) or complete them (a
 * tunnel credential the backup leaves out).
 */
export async function startStaging(
  deps: BackupDeps,
  archive: OpenArchive,
  t: StagingTarget,
  opts: CommonOptions,
  accept: (secrets: Record<string, string>) => Record<string, string> | Promise<Record<string, string>> = (s) => s,
): Promise<Staged> {
  checkListed(t.recipe, t.manifest);
  // volumes, network and images do not depend on the secrets
  const layout = stagingPlan(deps, { ...t, secrets: layoutSecrets(t.recipe) });
  reportDropped(opts, stagingOverrides(t).dropped);
  const contents = backupContents(t.recipe, layout, { includeCache: true });
  await deps.engine.remove(layout.project, { keepVolumes: t.volumeNames !== undefined });
  // made when the first data comes: a file refused by its secrets (they come first) leaves nothing behind
  let storage: Promise<void> | undefined;
  const createStorage = (): Promise<void> =>
    (storage ??= step(opts.onProgress, 'Create new storage', async () => {
      for (const v of layout.volumes) {
        await createVolume(deps.docker, v.name, t.volumeLabels?.(v.key) ?? { ...v.labels, [LABELS.managed]: 'true' });
        await chownVolume(deps.docker, layout, v);
      }
      await createInternalNetwork(deps.docker, layout);
    }));
  const healthOpts = {
    ...(opts.healthTimeoutMs !== undefined && { healthTimeoutMs: opts.healthTimeoutMs }),
    ...(opts.signal && { signal: opts.signal }),
  };
  // the secrets come first in the file (an older file has them last: its dumps wait until then)
  let secrets: Record<string, string> | undefined;
  let databasesUp = false;
  const restoreDump = async (d: BackupContents['databases'][number], input: AsyncIterable<Buffer>, size: number): Promise<void> => {
    const plan = stagingPlan(deps, { ...t, secrets: secrets as Record<string, string> });
    if (!databasesUp) await deps.engine.apply(databasesOnly(plan, contents), healthOpts);
    databasesUp = true;
    const container = await runningServiceContainer(deps.docker, plan.project, d.service.name);
    // pg_restore reads exactly the dump's size: Docker can lose the end of an exec's input (moby's stdin close race)
    const restore = ['pg_restore', '-U', d.spec.user, '-d', d.spec.db, '--no-owner', `--role=${d.spec.user}`, '--exit-on-error', '--single-transaction'];
    const cmd = ['sh', '-c', 'head -c "$ENGAWA_BYTES" | "$@"', 'sh', ...restore];
    const env = { ...databaseEnv(d.spec, secrets as Record<string, string>), ENGAWA_BYTES: String(size) };
    await execInput(container, cmd, env, input, `Restoring the database of ${d.service.name}`);
  };
  const dumpDir = path.join(deps.home, 'restore-dumps', t.instance);
  await rm(dumpDir, { recursive: true, force: true });
  try {
    const waiting: { d: BackupContents['databases'][number]; file: string; size: number }[] = [];
    const restored = new Set<string>();
    // the databases start and take their dumps while the volumes stream in
    let databases: Promise<void> | undefined;
    let databaseFailure: unknown;
    const restoreWaiting = (): void => {
      const batch = waiting.splice(0);
      databases = (databases ?? Promise.resolve()).then(async () => {
        for (const { d, file, size } of batch) await restoreDump(d, createReadStream(file, { highWaterMark: 1024 * 1024 }), size);
      });
      databases.catch((e: unknown) => void (databaseFailure = e)); // reported by the await below (or the next entry)
    };
    await step(opts.onProgress, 'Restore the data', async () => {
      try {
        await archive.rest(
          async (entry, data) => {
            if (databaseFailure !== undefined) throw databaseFailure;
            if (secrets !== undefined && waiting.length > 0) restoreWaiting(); // dumps that matched their checksums
            await createStorage();
            if (entry.kind === 'volume') {
              const v = layout.volumes.find((x) => x.key === entry.source);
              if (!v) throw notInRecipe(`the storage "${entry.source}"`, t.recipe);
              await importVolume(deps.docker, layout.project, imageFor(layout, v), v.name, data);
              return;
            }
            const d = contents.databases.find((x) => x.service.name === entry.source);
            if (!d || restored.has(d.service.name)) throw notInRecipe(`a database of "${entry.source}"`, t.recipe);
            restored.add(d.service.name);
            if (entry.size === 0)
              throw new EngawaError('INVALID_INPUT', `The database dump of ${d.service.name} in this backup is empty.`, { reason: 'damaged' });
            await mkdir(dumpDir, { recursive: true, mode: 0o700 });
            const file = path.join(dumpDir, `${d.service.name}.dump`);
            await pipeline(data, createWriteStream(file, { mode: 0o600 }));
            waiting.push({ d, file, size: entry.size });
          },
          async (read) => {
            checkSecrets(t.recipe, read);
            secrets = await accept(read);
          },
        );
      } catch (e) {
        await databases?.catch(() => undefined); // nothing runs on behind the caller's clean-up
        throw e;
      }
      await createStorage();
      if (waiting.length > 0) restoreWaiting();
      await databases;
    });
    const plan = stagingPlan(deps, { ...t, secrets: secrets as Record<string, string> });
    await step(opts.onProgress, 'Start the restored copy', () => deps.engine.apply(plan, healthOpts));
    return { plan, secrets: secrets as Record<string, string> };
  } finally {
    await archive.close();
    await rm(dumpDir, { recursive: true, force: true });
  }
}

/** Stand-in secrets for a plan whose volumes, network and images are all that is used (they never depend on secrets). */
export function layoutSecrets(recipe: Recipe): Record<string, string> {
  return { ...Object.fromEntries(recipe.secrets.map((s) => [s.name, ''])), ...generateSecrets(recipe, {}) };
}

function notInRecipe(what: string, recipe: Recipe): EngawaError {
  return new EngawaError('INVALID_INPUT', `This backup holds ${what}, which ${recipe.name} does not have.`, { reason: 'format' });
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

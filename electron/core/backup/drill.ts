/**
 * The restore drill ("Verify this backup"): prove a backup restores by restoring it into a
 * temporary isolated instance (staging.ts: own volumes, internal network, no tunnel), waiting until
 * it is healthy, and comparing its data with what was counted when the backup was made
 * (probes.ts). The temporary instance is always removed, and the result is written beside the
 * backup (`<file>.drill.json`). A backup that cannot be read (wrong passphrase, not a backup) is
 * an error; one that reads but does not restore, or restores different data, is a failed drill.
 * The file is read once: the temporary instance is filled as it is read and checked (staging.ts).
 * The copy runs with only the env overrides its recipe allows from a backup, as a restore as a new
 * server does; the others are left out and reported (DrillResult.droppedOverrides, a progress step).
 * The temporary instance is brought up and removed as an operation of the instance manager
 * (`runOperation` on the temporary instance's name: its lock, Docker's events for it ignored).
 */
import { randomBytes } from 'node:crypto';
import type { DroppedOverride } from '../stacks/overrides';
import { toEngawaError } from '../util/errors';
import { writeFileAtomic } from '../util/atomic';
import { projectName } from '../instances';
import { backupContents } from './contents';
import { drillFile, type DrillRecord } from './files';
import { compareProbes, measureProbes } from './probes';
import { stagingOverrides, startStaging } from './staging';
import { asStep as step } from '../util/progress';
import type { BackupDeps, CommonOptions } from './types';
import { readOptions, recipeFor } from './verify';
import { openArchive } from './archive-reader';

export interface DrillResult extends DrillRecord {
  /** where the result was recorded */
  recordedAt: string;
  /** the backup's env overrides the temporary copy ran without (the recipe does not allow them; see staging.ts) */
  droppedOverrides: DroppedOverride[];
}

/** Runs the drill on `file`; see the module comment. */
export async function drillBackup(deps: BackupDeps, file: string, opts: CommonOptions): Promise<DrillResult> {
  const t0 = Date.now();
  const problems: string[] = [];
  let dropped: DroppedOverride[] = [];
  try {
    // one pass over the file: opened here, read by the temporary instance's restore (staging.ts)
    const archive = await step(opts.onProgress, 'Check the backup file', () => openArchive(file, readOptions(opts, 'Restore the data')));
    try {
      const manifest = archive.manifest;
      const recipe = recipeFor(deps, manifest);
      const instance = `drill-${randomBytes(4).toString('hex')}`;
      dropped = stagingOverrides({ recipe, manifest }).dropped;
      await deps.manager.runOperation(instance, 'drill', async () => {
        try {
          const images = (await deps.manager.find(manifest.instance.name))?.images;
          const { plan, secrets } = await startStaging(deps, archive, { recipe, manifest, instance, ...(images && { images }) }, opts);
          const contents = backupContents(recipe, plan, { includeCache: true });
          const actual = await step(opts.onProgress, 'Check the restored data', () =>
            measureProbes(deps.docker, recipe, plan, contents, secrets, manifest.probes),
          );
          problems.push(...compareProbes(manifest.probes, actual));
        } finally {
          await deps.engine.remove(projectName(instance)).catch(() => undefined);
        }
      });
    } finally {
      await archive.close();
    }
  } catch (e) {
    const err = toEngawaError(e);
    if (err.code === 'CANCELLED' || err.details?.reason === 'passphrase' || err.code === 'ENGINE_UNREACHABLE' || err.details?.path === file) throw err;
    problems.push(err.message);
  }
  const record: DrillRecord = { at: new Date().toISOString(), ok: problems.length === 0, problems, durationMs: Date.now() - t0 };
  const recordedAt = drillFile(file);
  await writeFileAtomic(recordedAt, JSON.stringify(record, null, 2) + '\n');
  return { ...record, recordedAt, droppedOverrides: dropped };
}

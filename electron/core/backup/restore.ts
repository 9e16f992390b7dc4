/**
 * Restoring a backup, on this computer (over an existing instance) or on a new one.
 *
 * Docker cannot rename volumes and copying them twice is slow, so a restore never writes into the
 * volumes in use: it fills a new generation of volumes, `engawa-<name>_<key>-r<id>`, labelled with
 * the instance's project, and the instance record says which volumes the instance uses
 * (`InstanceRecord.volumes`; plan() names them, so start, export and destroy follow). Steps:
 * 1. open the file and read its manifest (the passphrase is checked here), and check that it fits:
 *    same stack, same domain as the instance it replaces — nothing is touched before this;
 * 2. as an operation of the instance manager (under the instance's lock, `runOperation`), clear
 *    what an interrupted restore left (its temporary instance, volumes of the project the record
 *    does not name);
 * 3. read the rest of the file, once, into the new volumes (each entry hashed, sized and its inner
 *    tar checked as it streams, compared with the manifest as it ends: any mismatch aborts and the
 *    new volumes go), then start them as an isolated temporary instance (staging.ts) until healthy
 *    — the existing instance keeps running all along. Only what was hashed is used: a file swapped
 *    at its path meanwhile changes nothing;
 * 4. swap: remove the temporary containers, record the new volumes (the old ones are kept under
 *    `beforeRestore` until `confirmRestore`), and start the instance on them. If that fails, the
 *    record, secrets and containers go back to the old volumes, as they were.
 * On a new computer (no instance of that name) the record is made from the manifest: same domain,
 * settings, secrets (so the same identity) and tunnel; ports as before when they are free; of its
 * env overrides only those the recipe allows (stacks/overrides.ts; the others are reported, see
 * RestoreResult.droppedOverrides). An api-mode tunnel needs the user's Cloudflare API token there
 * (backups leave it out): the restore refuses without it. Over an existing server, the server keeps
 * its own overrides, tunnel and API credentials.
 * Step 4 goes through the manager's transitions, so `watch` listeners (the tray, the window) hear
 * 'starting', then 'running' — or 'error' when it fails (the record is put back all the same).
 * A restore killed in steps 1-3 leaves the old instance running untouched; run it again.
 */
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { EngawaError } from '../util/errors';
import { LABELS } from '../plan/types';
import { projectName, type InstanceRecord, type OperationTx } from '../instances';
import { plan as makePlan } from '../stacks/plan';
import { backupOverrides, type DroppedOverride, type EnvOverride } from '../stacks/overrides';
import type { Recipe } from '../stacks/types';
import { validateInstanceName } from '../stacks/validate';
import { assertOwnTunnel, assertTunnelCredentials } from './credentials';
import { projectVolumes, removeLeftoverHelpers, removeVolumes } from './docker-io';
import type { Manifest } from './manifest';
import { layoutSecrets, reportDropped, startStaging } from './staging';
import { loginVolumeName } from '../tunnel/login-connector';
import { TUNNEL_SECRETS } from '../tunnel/types';
import { asStep as step } from '../util/progress';
import type { BackupDeps, CommonOptions } from './types';
import { checkListed, checkSecrets, readOptions, recipeFor, type VerifyOptions } from './verify';
import { openArchive, type OpenArchive } from './archive-reader';
import { canonicalJson } from '../util/canonical-json';
import { settled } from '../util/settled';

export interface RestoreOptions extends VerifyOptions {
  /** the instance to restore into (default: the name in the backup) */
  name?: string;
  /**
   * Over an existing server, take the backup's tunnel and Cloudflare credentials instead of the
   * server's current ones (default false: the current ones may have been rotated since the backup).
   */
  useBackupTunnelCredentials?: boolean;
}

export interface RestoreResult {
  name: string;
  /** true when an existing instance was replaced (its old volumes are kept, see confirmRestore) */
  replaced: boolean;
  manifest: Manifest;
  /** the backup's env overrides left out (a new server only: one it replaces keeps its own overrides) */
  droppedOverrides: DroppedOverride[];
}

/** The temporary instance a restore of `name` uses (fixed, so a re-run finds what a killed one left). */
export const restoreStagingName = (name: string): string => `restore-${createHash('sha256').update(name).digest('hex').slice(0, 10)}`;

/** The volume names a record uses. */
export function volumesOf(record: Pick<InstanceRecord, 'name' | 'volumes'>, recipe: Recipe): Record<string, string> {
  return Object.fromEntries(recipe.volumes.map((v) => [v.name, record.volumes?.[v.name] ?? `${projectName(record.name)}_${v.name}`]));
}

/** Restores `file`; see the module comment. */
export async function restoreBackup(deps: BackupDeps, file: string, opts: RestoreOptions): Promise<RestoreResult> {
  const archive = await step(opts.onProgress, 'Check the backup file', () => openArchive(file, readOptions(opts, 'Restore the data')));
  try {
    const manifest = archive.manifest;
    const recipe = recipeFor(deps, manifest);
    checkListed(recipe, manifest);
    const name = validateInstanceName(opts.name ?? manifest.instance.name);
    const existing = await deps.manager.find(name);
    assertFits(existing, name, manifest, recipe);
    // a file Engawa writes holds the secrets first: judged before even the lock, a refusal leaves nothing behind
    const secrets = archive.secrets && (await acceptSecrets(archive.secrets, { manifest, recipe }, existing, opts));
    return await deps.manager.runOperation(name, 'restore', (tx) => restoreUnderLock(deps, tx, archive, { recipe, ...(secrets && { secrets }) }, opts));
  } finally {
    await archive.close();
  }
}

/**
 * Steps 2-4 of a restore, for an operation that holds the instance's lock (`restoreBackup`, and an
 * update's data move and rollback). The file (a path, or one `restoreBackup` opened) is read once,
 * in step 3. `expected.recipe` is the recipe the restored server runs (the backup's own release
 * for a restore; an update's data move gives the new release's); `expected.manifest`, when given
 * (an update checked its backup before), must be the file's; `expected.secrets` are the file's
 * secrets already accepted (acceptSecrets). `opts.record` changes the record the
 * swap writes (an update's new release).
 */
export async function restoreUnderLock(
  deps: BackupDeps,
  tx: OperationTx,
  source: string | OpenArchive,
  expected: { recipe: Recipe; manifest?: Manifest; secrets?: Record<string, string> },
  opts: RestoreOptions & { record?: (r: InstanceRecord) => InstanceRecord },
): Promise<RestoreResult> {
  const archive = typeof source === 'string' ? await openArchive(source, readOptions(opts, 'Restore the data')) : source;
  try {
    const { manifest, file } = archive;
    const recipe = expected.recipe;
    if (expected.manifest !== undefined && canonicalJson(expected.manifest) !== canonicalJson(manifest)) {
      throw new EngawaError('INVALID_INPUT', `The backup ${path.basename(file)} changed after it was checked; nothing was restored.`, { reason: 'changed' });
    }
    const name = tx.name;
    const existing = await tx.read();
    assertFits(existing, name, manifest, recipe);
    if (!existing) assertOwnTunnel(manifest, name, await deps.manager.list());
    // accepted before anything is touched when the file holds them first, else once every entry matched
    const accept = (read: Record<string, string>) => acceptSecrets(read, { manifest, recipe }, existing, opts);
    const early = expected.secrets ?? (archive.secrets && (await accept(archive.secrets)));
    const project = projectName(name);
    const staging = restoreStagingName(name);
    await step(opts.onProgress, 'Clear what an interrupted restore left', async () => {
      await deps.engine.remove(projectName(staging), { keepVolumes: true });
      await removeLeftoverHelpers(deps.docker, project);
      const keep = new Set(
        existing ? [...Object.values(volumesOf(existing, recipe)), ...(existing.beforeRestore ?? []).flatMap((b) => Object.values(b.volumes))] : [],
      );
      await removeVolumes(
        deps.docker,
        (await projectVolumes(deps.docker, project)).filter((v) => !keep.has(v)),
      );
    });
    const id = randomBytes(3).toString('hex');
    const newVolumes = Object.fromEntries(recipe.volumes.map((v) => [v.name, `${project}_${v.name}-r${id}`]));
    const { kept: overrides, dropped } = restoreOverrides(existing, recipe, manifest);
    reportDropped(opts, dropped);
    // labels as the instance's own volumes get them, so destroy removes these too
    const layout = makePlan(recipe, {
      instance: name,
      domain: manifest.instance.domain,
      secrets: layoutSecrets(recipe),
      settings: manifest.instance.settings,
      overrides,
    });
    const labels = (key: string) => ({ ...(layout.volumes.find((v) => v.key === key)?.labels ?? {}), [LABELS.managed]: 'true' });
    let secrets: Record<string, string>;
    try {
      const images = existing?.images;
      ({ secrets } = await startStaging(
        deps,
        archive,
        { recipe, manifest, instance: staging, volumeNames: newVolumes, volumeLabels: labels, overrides, ...(images && { images }) },
        opts,
        early ? () => early : accept,
      ));
    } catch (e) {
      // a restored copy that never became healthy leaves nothing behind (the old data is untouched)
      await deps.engine.remove(projectName(staging), { keepVolumes: true });
      await removeVolumes(deps.docker, Object.values(newVolumes)).catch(() => undefined);
      throw e;
    }
    // the copy stops cleanly (the server then opens its database without recovery) and goes; over an existing server, while that one stops
    const retire = () => deps.engine.stop(projectName(staging)).then(() => deps.engine.remove(projectName(staging), { keepVolumes: true }));
    await step(opts.onProgress, existing ? 'Switch the server to the restored data' : 'Start the restored server', async () => {
      if (existing) return swap(deps, tx, existing, recipe, keepCurrentCredentials(secrets, opts), { volumes: newVolumes, retire }, file, opts, opts.record);
      await retire(); // a failure here leaves the copy and its volumes to the next run's clearing (step 2)
      return adopt(deps, tx, { ...manifest, instance: { ...manifest.instance, overrides } }, recipe, secrets, newVolumes, opts);
    });
    return { name, replaced: existing !== undefined, manifest, droppedOverrides: dropped };
  } finally {
    if (archive !== source) await archive.close();
  }
}

/** The backup's secrets (checked against the manifest) as the restore keeps them: complete, reviewed (opts.review), with the tunnel's credential. */
async function acceptSecrets(
  read: Record<string, string>,
  v: { manifest: Manifest; recipe: Recipe },
  existing: unknown,
  opts: RestoreOptions,
): Promise<Record<string, string>> {
  checkSecrets(v.recipe, read);
  const { secrets } = opts.review ? await opts.review({ ...v, secrets: read }) : { secrets: read };
  if (!existing) assertTunnelCredentials(v.manifest, secrets);
  return secrets;
}

/**
 * The overrides a restored server runs with: a server it replaces keeps its own; a new one gets
 * those of the backup its recipe allows (`dropped`: the others, which the user is told about).
 */
export function restoreOverrides(
  existing: Pick<InstanceRecord, 'overrides'> | undefined,
  recipe: Recipe,
  m: Manifest,
): { kept: EnvOverride[]; dropped: DroppedOverride[] } {
  return existing ? { kept: existing.overrides, dropped: [] } : backupOverrides(recipe, m.instance.overrides);
}

/** Refuses a backup that does not belong in instance `name` (another stack or domain), or an unfinished instance. */
function assertFits(existing: InstanceRecord | undefined, name: string, m: Manifest, recipe: Recipe): void {
  if (!existing) return;
  if (existing.stack !== m.stack.id) {
    throw new EngawaError(
      'INVALID_INPUT',
      `This is a backup of a ${recipe.name} server, but "${name}" is a ${existing.stack} server; restore it under another name (--name).`,
      { reason: 'other-stack', stack: m.stack.id, instanceStack: existing.stack },
    );
  }
  if (existing.domain !== m.instance.domain) {
    throw new EngawaError(
      'INVALID_INPUT',
      `This backup is of ${m.instance.domain}, but "${name}" serves ${existing.domain}; restore it under another name (--name).`,
      { reason: 'other-domain' },
    );
  }
  if (existing.pending)
    throw new EngawaError('STATE', `"${name}" is not fully ${existing.pending === 'create' ? 'created' : 'deleted'}; finish that first.`, { name });
}

function healthOpts(opts: CommonOptions): { healthTimeoutMs?: number; signal?: AbortSignal } {
  return { ...(opts.healthTimeoutMs !== undefined && { healthTimeoutMs: opts.healthTimeoutMs }), ...(opts.signal && { signal: opts.signal }) };
}

/**
 * Moves an existing instance onto the new volumes (`retire` stops and removes the copy
 * that ran on them, while the instance stops), or back to its old ones when that fails.
 */
async function swap(
  deps: BackupDeps,
  tx: OperationTx,
  old: InstanceRecord,
  recipe: Recipe,
  secrets: Record<string, string>,
  { volumes: newVolumes, retire }: { volumes: Record<string, string>; retire: () => Promise<void> },
  file: string,
  opts: CommonOptions,
  change: (r: InstanceRecord) => InstanceRecord = (r) => r,
): Promise<void> {
  const project = projectName(old.name);
  const oldSecrets = await deps.secrets.get(old.name);
  const oldVolumes = volumesOf(old, recipe);
  const before = [...(old.beforeRestore ?? []), { at: new Date().toISOString(), backup: path.basename(file), volumes: oldVolumes }];
  // the instance's own tunnel secrets stay: the backup's may be of a tunnel that no longer exists
  await deps.secrets.set(old.name, { ...oldSecrets, ...secrets });
  // 'starting', lastError cleared (`old` is never pending: assertFits refuses that)
  const record = await tx.transition(change({ ...old, volumes: newVolumes, beforeRestore: before }), 'begin');
  try {
    await settled([retire(), deps.engine.stop(project)]);
    await deps.engine.apply(await deps.manager.planFor(old.name), healthOpts(opts));
    await tx.transition(record, 'end');
  } catch (e) {
    tx.publish('error'); // listeners hear that the restore failed; the record goes back as it was
    await deps.secrets.set(old.name, oldSecrets);
    await tx.write(old);
    await settled([retire(), deps.engine.stop(project)]).catch(() => undefined);
    await deps.engine.apply(await deps.manager.planFor(old.name), healthOpts(opts)).catch(() => undefined);
    await removeVolumes(deps.docker, Object.values(newVolumes)).catch(() => undefined);
    throw e;
  }
}

/** Makes a new instance from the manifest on the new volumes; removes everything again when it fails. */
async function adopt(
  deps: BackupDeps,
  tx: OperationTx,
  m: Manifest,
  recipe: Recipe,
  secrets: Record<string, string>,
  volumes: Record<string, string>,
  opts: CommonOptions,
): Promise<void> {
  const name = tx.name;
  const record: InstanceRecord = {
    version: 1,
    name,
    stack: recipe.id,
    stackVersion: recipe.version,
    domain: m.instance.domain,
    createdAt: m.instance.createdAt,
    settings: m.instance.settings,
    overrides: m.instance.overrides,
    ports: await tx.choosePorts(m.instance.ports),
    admin: m.instance.admin,
    tunnel: ownTunnel(m.instance.tunnel ?? null, name),
    state: 'starting',
    volumes,
    // the image map this restore was given is kept, as create keeps its own
    ...(Object.keys(deps.images ?? {}).length > 0 && { images: { ...deps.images } }),
  };
  let started: InstanceRecord | undefined;
  try {
    await deps.secrets.set(name, secrets);
    started = await tx.transition(record, 'begin'); // as written: 'starting'
    await deps.engine.apply(await deps.manager.planFor(name), healthOpts(opts));
    await tx.transition(started, 'end');
  } catch (e) {
    if (started) tx.publish('error'); // listeners heard of the instance: they hear that it failed (then it is gone)
    await deps.engine.remove(projectName(name)).catch(() => undefined);
    await deps.secrets.delete(name).catch(() => undefined);
    await tx.remove().catch(() => undefined);
    throw e;
  }
}

/** Deletes the data an instance had before its restores, once the user is happy with the restore. */
export async function confirmRestore(deps: BackupDeps, name: string): Promise<string[]> {
  return deps.manager.runOperation(name, 'restore', async (tx) => {
    const record = await tx.get();
    const old = (record.beforeRestore ?? []).flatMap((b) => Object.values(b.volumes));
    const inUse = new Set(Object.values(volumesOf(record, deps.recipes.get(record.stack))));
    await removeLeftoverHelpers(deps.docker, projectName(name));
    await removeVolumes(
      deps.docker,
      old.filter((v) => !inUse.has(v)),
    );
    const { beforeRestore: _b, ...rest } = record;
    await tx.write(rest); // the state is as it was: listeners are told nothing
    return old;
  });
}

/**
 * The backup's tunnel record made the restored instance's own: names Docker uses are derived from
 * the instance's name, never read from the file (a sign-in tunnel's home volume named after another
 * instance would be mounted, and removed, by this one's teardown).
 */
export function ownTunnel(tunnel: InstanceRecord['tunnel'], name: string): InstanceRecord['tunnel'] {
  if (tunnel === null || tunnel.mode !== 'login') return tunnel;
  return { ...tunnel, volume: loginVolumeName(projectName(name)) };
}

/**
 * The secrets a restore over an existing server writes: the backup's, except the tunnel's and
 * Cloudflare's credentials, which stay the server's current ones (they may have been rotated, or
 * the backup's tunnel deleted) unless the user chose the backup's.
 */
export function keepCurrentCredentials(backup: Record<string, string>, opts: Pick<RestoreOptions, 'useBackupTunnelCredentials'>): Record<string, string> {
  if (opts.useBackupTunnelCredentials === true) return backup;
  const { [TUNNEL_SECRETS.connector]: _token, [TUNNEL_SECRETS.api]: _api, [TUNNEL_SECRETS.credentials]: _credentials, ...rest } = backup;
  return rest;
}

/**
 * Making a backup of an instance (one file, see archive-writer.ts), as an operation of the instance
 * manager (`runOperation`: under the instance's lock; the instance's state stays as it is):
 * 1. work out what it holds (contents.ts), check the databases run, measure sizes and check the
 *    target folder has room for them — all before anything is written;
 * 2. count the probe data (probes.ts), dump each database with `pg_dump -Fc` streamed out of its
 *    running container;
 * 3. stop the services the recipe says must not run during the copy (the PDS: SQLite in WAL mode),
 *    stream each volume out through a helper container, start them again and wait until healthy
 *    (the downtime is measured and reported);
 * 4. add the secrets (all but the Cloudflare API token, see credentials.ts), count the probe data
 *    again, write the manifest, fsync and rename;
 * 5. keep only the newest `keep` backups of the instance in that folder, when asked.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { EngawaError } from '../util/errors';
import { runningServiceContainer } from '../engine/setup-steps';
import { ArchiveWriter, removeStalePartials } from './archive-writer';
import { backupSecrets } from './credentials';
import { backupContents, databaseEnv, dumpPath, imageFor, volumePath, type BackupContents } from './contents';
import { execOutput, execText, exportVolume, removeLeftoverHelpers, volumeSizes } from './docker-io';
import { assertFreeSpace, backupFileName, defaultBackupDir, pruneBackups } from './files';
import { APP_VERSION, FORMAT_NAME, FORMAT_VERSION, type Manifest } from './manifest';
import { measureProbes, probeRanges } from './probes';
import { asStep as step } from '../util/progress';
import type { BackupDeps, CommonOptions } from './types';

export interface BackupOptions extends CommonOptions {
  /** the folder to write to (default `<home>/backups`) */
  out?: string;
  /** also copy volumes marked 'cache' */
  includeCache?: boolean;
  /** afterwards, keep only this many backups of the instance in the folder */
  keep?: number;
}

export interface BackupResult {
  path: string;
  /** size of the file */
  bytes: number;
  manifest: Manifest;
  /** how long services were stopped, in ms (0 when none were) */
  downtimeMs: number;
  /** backups deleted by `keep` */
  pruned: string[];
}

/** Room left beyond the estimate: manifest, tar headers, encryption overhead. */
const SLACK = 4 * 1024 * 1024;

/** Backs up instance `name`; see the module comment. */
export async function createBackup(deps: BackupDeps, name: string, opts: BackupOptions): Promise<BackupResult> {
  const record = await deps.manager.get(name);
  if (record.pending)
    throw new EngawaError('STATE', `"${name}" is not fully ${record.pending === 'create' ? 'created' : 'deleted'}; finish that first.`, { name });
  return deps.manager.runOperation(name, 'backup', () => backupUnderLock(deps, name, opts));
}

/**
 * The backup itself, for an operation that already holds the instance's lock (`createBackup`, and
 * the update's pre-update backup).
 */
export async function backupUnderLock(deps: BackupDeps, name: string, opts: BackupOptions): Promise<BackupResult> {
  const record = await deps.manager.get(name);
  {
    // the recipe at the instance's own release: a backup never plans it on another one
    const plan = await deps.manager.planFor(name, { lenient: true });
    const recipe = deps.manager.recipeOf(record, { lenient: true });
    const secrets = await deps.secrets.get(name);
    const contents = backupContents(recipe, plan, { includeCache: opts.includeCache === true });
    const dir = path.resolve(opts.out ?? defaultBackupDir(deps.home));
    await mkdir(dir, { recursive: true });
    await removeStalePartials(dir, `${name}-`);
    await removeLeftoverHelpers(deps.docker, plan.project);

    const sizes = await step(opts.onProgress, 'Measure the data', () => measure(deps, plan.project, contents, secrets));
    await assertFreeSpace(dir, sizes.total + SLACK);
    const before = await measureProbes(deps.docker, recipe, plan, contents, secrets);

    const startedAt = new Date();
    const file = path.join(dir, backupFileName(name, startedAt));
    const writer = await ArchiveWriter.create(file, opts.passphrase, {
      ...(opts.workFactor !== undefined && { workFactor: opts.workFactor }),
      ...(opts.signal && { signal: opts.signal }),
    });
    let downtimeMs = 0;
    try {
      // first, so a restore knows the database passwords before the data comes: it streams it in one pass (staging.ts);
      // never the Cloudflare API token (backup/credentials.ts)
      await writer.add('secrets.json', 'secrets', Buffer.from(JSON.stringify(backupSecrets(secrets))));
      let base = 0;
      const bytes = (what: string, total: number) => (n: number) => opts.onBytes?.({ step: what, current: n - base, total });
      for (const d of contents.databases) {
        const what = `Dump the database of ${d.service.name}`;
        base = 0;
        await step(opts.onProgress, what, async () => {
          const container = await runningServiceContainer(deps.docker, plan.project, d.service.name);
          const dump = execOutput(
            container,
            ['pg_dump', '-Fc', '-U', d.spec.user, '-d', d.spec.db],
            databaseEnv(d.spec, secrets),
            `pg_dump in ${d.service.name}`,
          );
          await addCounted(writer, dumpPath(d.service.name), 'postgres', dump, d.service.name, bytes(what, sizes.databases[d.service.name] ?? 0));
        });
      }
      downtimeMs = await withStopped(deps, plan, contents.stop, opts, async () => {
        for (const v of contents.volumes) {
          const what = `Copy the storage "${v.key}"`;
          await step(opts.onProgress, what, () =>
            addCounted(
              writer,
              volumePath(v.key),
              'volume',
              exportVolume(deps.docker, plan.project, imageFor(plan, v), v.name),
              v.key,
              bytes(what, sizes.volumes[v.name] ?? 0),
            ),
          );
        }
      });
      const after = await measureProbes(deps.docker, recipe, plan, contents, secrets);
      const result = await step(opts.onProgress, 'Write the backup file', () =>
        writer.commit({
          format: FORMAT_NAME,
          formatVersion: FORMAT_VERSION,
          app: { version: APP_VERSION },
          createdAt: startedAt.toISOString(),
          stack: { id: recipe.id, version: record.stackVersion },
          instance: {
            name: record.name,
            domain: record.domain,
            createdAt: record.createdAt,
            settings: record.settings,
            overrides: record.overrides,
            ports: record.ports,
            admin: record.admin,
            tunnel: record.tunnel,
          },
          excluded: contents.excluded.map((x) => ({
            volume: x.volume.key,
            reason: x.reason,
            ...((sizes.volumes[x.volume.name] ?? -1) >= 0 && { bytes: sizes.volumes[x.volume.name] }),
          })),
          probes: probeRanges(before, after),
          downtimeMs,
        }),
      );
      const pruned = opts.keep !== undefined ? await pruneBackups(dir, name, opts.keep) : [];
      return { path: result.path, bytes: result.bytes, manifest: result.manifest, downtimeMs, pruned };
    } catch (e) {
      await writer.abort();
      throw e;
    }
  }
}

/** Adds an entry, reporting the bytes of this entry as they stream. */
async function addCounted(
  writer: ArchiveWriter,
  entryPath: string,
  kind: 'postgres' | 'volume',
  data: AsyncIterable<Buffer>,
  source: string,
  onBytes: (n: number) => void,
): Promise<void> {
  let n = 0;
  let last = 0;
  const counted = (async function* () {
    for await (const chunk of data) {
      n += chunk.length;
      if (n - last >= 4 * 1024 * 1024) {
        last = n;
        onBytes(n);
      }
      yield chunk;
    }
  })();
  await writer.add(entryPath, kind, counted, source);
  onBytes(n);
}

/** Sizes of what will be copied (databases as Postgres reports them, volumes as Docker does), and the volumes left out. */
async function measure(
  deps: BackupDeps,
  project: string,
  contents: BackupContents,
  secrets: Record<string, string>,
): Promise<{ total: number; databases: Record<string, number>; volumes: Record<string, number> }> {
  const databases: Record<string, number> = {};
  for (const d of contents.databases) {
    const container = await runningServiceContainer(deps.docker, project, d.service.name);
    const r = await execText(
      container,
      ['psql', '-X', '-U', d.spec.user, '-d', d.spec.db, '-Atc', 'SELECT pg_database_size(current_database())'],
      databaseEnv(d.spec, secrets),
    );
    if (r.exitCode !== 0)
      throw new EngawaError('TASK_FAILED', `The database of ${d.service.name} does not answer; check that the server is healthy.`, { service: d.service.name });
    databases[d.service.name] = Number(r.stdout.trim()) || 0;
  }
  const volumes = await volumeSizes(
    deps.docker,
    [...contents.volumes, ...contents.excluded.map((x) => x.volume)].map((v) => v.name),
  );
  const copied = contents.volumes.reduce((sum, v) => sum + Math.max(0, volumes[v.name] ?? 0), 0);
  const total = copied + Object.values(databases).reduce((a, b) => a + b, 0);
  return { total, databases, volumes };
}

/**
 * Runs `copy` with `services` stopped (those that were running), then starts them again and waits
 * until the instance is healthy, also when the copy fails. Returns the downtime in ms.
 */
async function withStopped(
  deps: BackupDeps,
  plan: Parameters<BackupDeps['engine']['start']>[0],
  services: string[],
  opts: BackupOptions,
  copy: () => Promise<void>,
): Promise<number> {
  const stopped: string[] = [];
  const t0 = Date.now();
  try {
    for (const s of services) {
      const container = await runningServiceContainer(deps.docker, plan.project, s).catch(() => undefined);
      if (!container) continue;
      await step(opts.onProgress, `Stop ${s} for a consistent copy`, () => container.stop());
      stopped.push(s);
    }
    await copy();
  } finally {
    if (stopped.length > 0) {
      await step(opts.onProgress, `Start ${stopped.join(', ')} again`, () =>
        deps.engine.start(plan, { ...(opts.healthTimeoutMs !== undefined && { healthTimeoutMs: opts.healthTimeoutMs }) }),
      );
    }
  }
  return stopped.length > 0 ? Date.now() - t0 : 0;
}

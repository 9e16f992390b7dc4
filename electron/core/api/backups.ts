/**
 * The `backups.*` methods of the contract and the backup scheduler of the process that hosts the
 * core (the desktop app's main process, the browser-mode host). Backups, verifications and
 * restores are long operations (OpKind 'backup' | 'verify' | 'restore'); scheduled backups run as
 * operations too, so every window sees their progress and their end (which the desktop turns into
 * a notification). The passphrase is kept in the SecretStore (core/backup/passphrase.ts), except
 * one typed to open a file picked for a restore (`keepPassphrase: false`, see backup-file.ts).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type Dockerode from 'dockerode';
import type { BackupInfo, BackupList, BackupScheduleInfo, BackupScheduleSettings } from '../../shared/contract';
import { createBackup } from '../backup/create';
import { drillBackup } from '../backup/drill';
import { defaultBackupDir, listBackups, parseBackupFileName, type BackupFile } from '../backup/files';
import { keepPassphrase, keptPassphrase, MIN_PASSPHRASE, passphraseFor, passphraseStrength, withoutPassphrase } from '../backup/passphrase';
import { confirmRestore, restoreBackup } from '../backup/restore';
import { BackupScheduler, checkSchedule, DEFAULT_KEEP, nextRun, runScheduledBackup, type BackupSchedule } from '../backup/schedule';
import { ScheduleStore } from '../backup/schedule-store';
import type { BackupDeps, CommonOptions } from '../backup/types';
import { verifyBackup } from '../backup/verify';
import { connectEngine, realDiscoveryEnv } from '../engine/connect';
import { EngawaError, isEngawaError, toEngawaError } from '../util/errors';
import type { SecretStore } from '../instances';
import { backupFile, inspectBackup, noFileChooser, reviewTunnelSecrets } from './backup-file';
import { internalClient, type OpContext, type Operations } from './ops';
import { retryingOnce, type Services } from './wiring';
import type { Handlers } from './types';

/** What the shell gives for backups (CoreDeps.backups). */
export interface BackupOptions {
  /** the same SecretStore the instance manager uses */
  secrets: SecretStore;
  /** official image reference → local reference (tests, mirrors) */
  images?: Record<string, string>;
  /** environment for engine discovery (DOCKER_HOST …) */
  env: Record<string, string | undefined>;
  /** Docker for streamed I/O (default: discovered from `env`) */
  docker?: () => Promise<Dockerode>;
  /** the clock of the scheduler (tests) */
  now?: () => Date;
  /** how often the schedules file is checked for changes by `engawa schedule` (default 60 s) */
  reloadMs?: number;
  /** the desktop's file chooser for a backup file (null: cancelled); without it `backups.chooseFile` answers STATE */
  chooseFile?: () => Promise<string | null>;
}

/** The backup methods of the contract. */
export type BackupMethod = Extract<keyof Handlers, `backups.${string}`>;

export interface BackupApi {
  handlers: Pick<Handlers, BackupMethod>;
  /** what backup code runs with (Docker connected on first use); the updates use it too */
  deps: () => Promise<BackupDeps>;
  /** reads the schedules and arms their timers */
  start(): Promise<void>;
  stop(): void;
}

/** Scheduled runs act as this client (their results go to nobody in particular). */
const SCHEDULER_CLIENT = internalClient('backup-scheduler');

/** Methods that answer STATE when the shell gave no backup options. */
/** `backups.passphraseStrength`: pure, so it answers even where backups are not available. */
const strengthOf: Handlers['backups.passphraseStrength'] = async ({ passphrase }) => ({
  strength: passphraseStrength(passphrase),
  minLength: MIN_PASSPHRASE,
});

export function unavailableBackups(): Pick<Handlers, BackupMethod> {
  const no = async (): Promise<never> => {
    throw new EngawaError('STATE', 'Backups are not available here.');
  };
  return {
    'backups.list': no,
    'backups.passphraseStrength': strengthOf,
    'backups.create': no,
    'backups.verify': no,
    'backups.restore': no,
    'backups.inspect': no,
    'backups.chooseFile': no,
    'backups.confirmRestore': no,
    'backups.schedule.get': no,
    'backups.schedule.set': no,
  };
}

export function createBackupApi(opts: BackupOptions, ctx: { services: Services; ops: Operations; log: (line: string) => void }): BackupApi {
  const { services, ops, log } = ctx;
  const { manager, home } = services;
  const store = new ScheduleStore(home);
  const now = opts.now ?? (() => new Date());
  const docker = retryingOnce(opts.docker ?? (async () => (await connectEngine({ discovery: { ...realDiscoveryEnv(), env: opts.env } })).docker));
  const deps = async (): Promise<BackupDeps> => ({
    home,
    docker: await docker(),
    engine: await services.engine(),
    manager,
    secrets: withoutPassphrase(opts.secrets),
    recipes: services.recipes,
    ...(opts.images && { images: opts.images }),
  });
  const common = (passphrase: string, op: OpContext): CommonOptions => ({
    passphrase,
    signal: op.signal,
    onProgress: op.onProgress,
    onBytes: (b) => op.onProgress({ kind: 'bytes', ...b }),
  });
  const folderOf = async (name: string): Promise<string> => (await store.get(name))?.out ?? defaultBackupDir(home);

  const scheduler = new BackupScheduler(
    (s) => runScheduled(s),
    (s, e) => log(`the scheduled backup of "${s.instance}" failed: ${e.message}`),
    now,
  );
  let reload: NodeJS.Timeout | undefined;
  let loadedAt = -1;
  const arm = async (): Promise<void> => {
    loadedAt = await store.changedAt();
    scheduler.set(await store.list());
  };

  /** One scheduled backup as an operation; resolves or rejects when it ends. */
  const runScheduled = async (s: BackupSchedule): Promise<void> => {
    try {
      await manager.get(s.instance);
    } catch (e) {
      if (!isEngawaError(e, 'NOT_FOUND')) throw e;
      log(`"${s.instance}" is gone: its backup schedule is removed`);
      await store.set(s.instance, null);
      await arm();
      return;
    }
    await ops.run(
      'backup',
      s.instance,
      SCHEDULER_CLIENT,
      async (op) => {
        const passphrase = await passphraseFor(opts.secrets, s.instance, undefined);
        await runScheduledBackup(await deps(), s, common(passphrase, op));
      },
      { cancellable: true },
    );
  };

  const info = async (name: string): Promise<BackupScheduleInfo> => {
    const s = await store.get(name);
    const due = scheduler.due()[name] ?? (s ? nextRun(s, now()) : undefined);
    return { schedule: s ? toSettings(s) : null, nextRun: due?.toISOString() ?? null, defaultFolder: defaultBackupDir(home) };
  };

  const handlers: Pick<Handlers, BackupMethod> = {
    'backups.passphraseStrength': strengthOf,

    'backups.list': async ({ name }) => {
      const record = await manager.get(name);
      const folder = await folderOf(name);
      const seen = new Map<string, BackupFile>();
      for (const dir of new Set([folder, defaultBackupDir(home)])) for (const b of await listBackups(dir, name)) seen.set(b.path, b);
      const list: BackupList = {
        folder,
        passphraseSet: (await keptPassphrase(opts.secrets, name)) !== undefined,
        beforeRestore: (record.beforeRestore ?? []).map((b) => ({ at: b.at, backup: b.backup })),
        backups: [...seen.values()].sort((a, b) => b.at.getTime() - a.at.getTime()).map(toInfo),
      };
      return list;
    },

    'backups.create': async ({ name, passphrase, includeCache }, client) => {
      const record = await manager.get(name);
      if (record.pending)
        throw new EngawaError('STATE', `"${name}" is not fully ${record.pending === 'create' ? 'created' : 'deleted'}; finish that first.`, { name });
      if (passphrase !== undefined) await keepPassphrase(opts.secrets, name, passphrase);
      const pass = await passphraseFor(opts.secrets, name, undefined);
      const out = await folderOf(name);
      return ops.start(
        'backup',
        name,
        client,
        async (op) => {
          await createBackup(await deps(), name, { ...common(pass, op), out, includeCache: includeCache === true });
          return undefined;
        },
        { cancellable: true },
      );
    },

    'backups.verify': async ({ file, drill, passphrase }, client) => {
      const target = await backupFile(file);
      const instance = parseBackupFileName(path.basename(target))?.instance;
      if (passphrase === undefined && instance === undefined) throw noPassphrase(target);
      const pass = await passphraseFor(opts.secrets, instance ?? '', passphrase);
      return ops.start(
        'verify',
        instance ?? path.basename(target),
        client,
        async (op) => {
          if (drill !== true) {
            await verifyBackup(services, target, common(pass, op));
            return undefined;
          }
          const r = await drillBackup(await deps(), target, common(pass, op));
          if (!r.ok)
            throw new EngawaError('TASK_FAILED', `The backup did not pass its restore drill: ${r.problems[0] ?? 'unknown reason'}`, { problems: r.problems });
          return undefined;
        },
        { cancellable: true },
      );
    },

    'backups.restore': async ({ file, name, passphrase, keepPassphrase: keep, apiToken, tunnelToken }, client) => {
      const target = await backupFile(file);
      const instance = name ?? parseBackupFileName(path.basename(target))?.instance;
      if (instance === undefined) throw new EngawaError('INVALID_INPUT', 'Say which server to restore this backup into.', { path: 'name' });
      const pass = await passphraseFor(opts.secrets, instance, passphrase);
      // a server it replaces keeps its own tunnel credentials (restore.ts): they count as given
      const kept = async () => ((await manager.find(instance)) ? opts.secrets.get(instance) : undefined);
      const given = { ...(apiToken !== undefined && { apiToken }), ...(tunnelToken !== undefined && { tunnelToken }) };
      const review = reviewTunnelSecrets(given, kept, services.tunnel?.cloudflare ?? {});
      return ops.start(
        'restore',
        instance,
        client,
        async (op) => {
          const restored = await restoreBackup(await deps(), target, { ...common(pass, op), name: instance, review });
          if (passphrase !== undefined && keep !== false) {
            await keepPassphrase(opts.secrets, instance, passphrase).catch((e: unknown) =>
              log(`cannot keep the passphrase of "${instance}" for its next backups: ${toEngawaError(e).message}`),
            );
          }
          const dropped = restored.droppedOverrides.map(({ service, key, reason }) => ({ service, key, reason }));
          return dropped.length > 0 ? { droppedOverrides: dropped } : undefined;
        },
        { cancellable: false },
      );
    },

    'backups.inspect': async ({ file, passphrase }, client) => {
      const target = await backupFile(file); // a path that is not a backup file's: refused at once
      return ops.start('inspect', path.basename(target), client, async (op) => ({ preview: await inspectBackup(services, target, common(passphrase, op)) }), {
        cancellable: true,
      });
    },

    'backups.chooseFile': async () => ({ file: opts.chooseFile ? await opts.chooseFile() : await noFileChooser() }),

    'backups.confirmRestore': async ({ name }) => {
      await manager.get(name);
      return { removed: (await confirmRestore(await deps(), name)).length };
    },

    'backups.schedule.get': async ({ name }) => {
      await manager.get(name);
      return info(name);
    },

    'backups.schedule.set': async ({ name, schedule }) => {
      await manager.get(name);
      if (schedule !== null) {
        const s = checkSchedule(fromSettings(name, schedule));
        if ((await keptPassphrase(opts.secrets, name)) === undefined) {
          throw new EngawaError('STATE', 'Make one backup first: it sets the passphrase scheduled backups use.', { name, reason: 'passphrase' });
        }
        await mkdir(s.out, { recursive: true }).catch((e: unknown) => {
          throw new EngawaError('INVALID_INPUT', `The folder ${s.out} cannot be used: ${(e as Error).message}`, { path: 'schedule.folder' });
        });
        await store.set(name, s);
      } else {
        await store.set(name, null);
      }
      await arm();
      return info(name);
    },
  };

  return {
    handlers,
    deps,
    async start() {
      await arm().catch((e: unknown) => log(`cannot read the backup schedules: ${toEngawaError(e).message}`));
      reload = setInterval(() => {
        store
          .changedAt()
          .then((t) => (t !== loadedAt ? arm() : undefined))
          .catch((e: unknown) => log(`cannot reload the backup schedules: ${toEngawaError(e).message}`));
      }, opts.reloadMs ?? 60_000);
      reload.unref?.();
    },
    stop() {
      if (reload !== undefined) clearInterval(reload);
      scheduler.stop();
    },
  };
}

function noPassphrase(file: string): EngawaError {
  return new EngawaError('STATE', `Enter the passphrase of ${path.basename(file)}.`, { reason: 'passphrase' });
}

function toInfo(b: BackupFile): BackupInfo {
  return {
    file: b.path,
    fileName: path.basename(b.path),
    instance: b.instance,
    createdAt: b.at.toISOString(),
    bytes: b.bytes,
    ...(b.drill && { drill: { at: b.drill.at, ok: b.drill.ok, problems: [...b.drill.problems] } }),
  };
}

function toSettings(s: BackupSchedule): BackupScheduleSettings {
  return {
    every: s.every,
    at: s.at,
    ...(s.weekday !== undefined && { weekday: s.weekday }),
    keep: s.keep ?? DEFAULT_KEEP,
    folder: s.out,
    drill: s.drill === true,
  };
}

function fromSettings(instance: string, s: BackupScheduleSettings): BackupSchedule {
  if (!path.isAbsolute(s.folder))
    throw new EngawaError('INVALID_INPUT', 'The backup schedule is not valid: choose a full folder path.', { path: 'schedule.folder' });
  return {
    instance,
    every: s.every,
    at: s.at,
    ...(s.every === 'weekly' && s.weekday !== undefined && { weekday: s.weekday }),
    keep: s.keep,
    out: path.resolve(s.folder),
    drill: s.drill,
  };
}

/**
 * Backup commands (core/backup):
 *   backup <name> [--out DIR] [--passphrase-file F] [--include-cache] [--keep N]
 *   backups <name> [--out DIR]                   the backups in the folder, newest first, with drill results
 *   verify <file> [--drill] [--passphrase-file F] check a backup (--drill: restore it into a temporary copy)
 *   restore <file> [--name N] [--passphrase-file F]
 *   restore-confirm <name>                       delete the data kept from before a restore
 *   schedule <name> [--daily HH:MM | --weekly DAY HH:MM | --off] [--keep N] [--out DIR] [--drill] [--passphrase-file F]
 *                                                 show or set scheduled backups (run by the desktop app or `npm run serve`)
 * The passphrase comes from --passphrase-file or the ENGAWA_BACKUP_PASSPHRASE variable, never an argument.
 */
import { MIN_PASSPHRASE, passphraseStrength } from '../backup/passphrase';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { connectEngine, realDiscoveryEnv } from '../engine/connect';
import { FileSecretStore } from '../instances';
import { createBackup } from '../backup/create';
import { drillBackup } from '../backup/drill';
import { defaultBackupDir, listBackups, parseBackupFileName } from '../backup/files';
import { confirmRestore, restoreBackup } from '../backup/restore';
import type { BackupDeps, BytesSink } from '../backup/types';
import { verifyBackup } from '../backup/verify';
import { keepPassphrase, keptPassphrase, withoutPassphrase } from '../backup/passphrase';
import { checkSchedule, DEFAULT_KEEP, nextRun, type BackupSchedule } from '../backup/schedule';
import { ScheduleStore } from '../backup/schedule-store';
import { EngawaError } from '../util/errors';
import { reviewTunnelSecrets } from '../api/backup-file';
import { cloudflareOptionsFromEnv } from '../tunnel/api';
import { UsageError } from './args';
import { readToken } from './tunnel';
import type { CliContext } from './context';
import { table } from './format';
import { formatBytes } from '../util/format';
import type { CommandGroup } from './run';

const PASSPHRASE = { 'passphrase-file': { type: 'string' as const } };

/**
 * The passphrase given with --passphrase-file or ENGAWA_BACKUP_PASSPHRASE, or undefined when
 * neither is. `creating`: it encrypts a new backup (at least MIN_PASSPHRASE characters; a weak one is warned about).
 */
export async function givenPassphrase(ctx: CliContext, creating: boolean): Promise<string | undefined> {
  const file = ctx.str('passphrase-file');
  let value = ctx.io.env.ENGAWA_BACKUP_PASSPHRASE;
  if (file) {
    try {
      value = (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
    } catch (e) {
      throw new UsageError(`Cannot read --passphrase-file: ${(e as Error).message}`);
    }
    if (!value) throw new UsageError('--passphrase-file names an empty file; put the passphrase in it.');
  }
  if (!value) return undefined;
  if (creating && value.length < MIN_PASSPHRASE) throw new UsageError(`Choose a passphrase of at least ${MIN_PASSPHRASE} characters.`);
  if (creating && passphraseStrength(value) === 'weak') {
    ctx.io.stderr('engawa: this passphrase is easy to guess; a few unrelated words, or a longer mix of letters, digits and signs, is safer.\n');
  }
  ctx.addSecrets([value]);
  return value;
}

/** The given passphrase (see givenPassphrase); a UsageError saying how to give one when there is none. */
export async function passphrase(ctx: CliContext, creating: boolean): Promise<string> {
  const value = await givenPassphrase(ctx, creating);
  if (value === undefined) throw new UsageError('Give the backup passphrase with --passphrase-file FILE (or ENGAWA_BACKUP_PASSPHRASE).');
  return value;
}

/**
 * What backups and updates need. The engine is the command's own (`ctx.engine()`); the secrets are
 * seen without the kept passphrase, which never goes into a backup (see backup/passphrase.ts).
 */
export async function deps(ctx: CliContext): Promise<BackupDeps> {
  const docker = ctx.io.docker ? await ctx.io.docker() : (await connectEngine({ discovery: { ...realDiscoveryEnv(), env: ctx.io.env } })).docker;
  return {
    home: ctx.home,
    docker,
    engine: await ctx.engine(),
    manager: await ctx.manager(),
    secrets: withoutPassphrase(new FileSecretStore(ctx.home)),
    recipes: ctx.recipes(),
    images: await ctx.images(),
  };
}

/** Byte progress on stderr, at most once a second per step. */
function bytesPrinter(ctx: CliContext): BytesSink {
  let last = 0;
  return ({ step, current, total }) => {
    if (ctx.json || Date.now() - last < 1000) return;
    last = Date.now();
    ctx.io.stderr(`  ${step}: ${formatBytes(current)}${total > 0 ? ` of about ${formatBytes(total)}` : ''}\n`);
  };
}

export function common(
  ctx: CliContext,
  pass: string,
): { passphrase: string; onProgress: ReturnType<CliContext['progress']>; onBytes: BytesSink; signal?: AbortSignal } {
  return { passphrase: pass, onProgress: ctx.progress(), onBytes: bytesPrinter(ctx), ...(ctx.io.signal && { signal: ctx.io.signal }) };
}

function parseKeep(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(v)) throw new UsageError(`--keep expects a number of backups (1 or more), got "${v}".`);
  return Number(v);
}

export const backupCommands: CommandGroup = {
  specs: {
    backup: {
      args: ['name'],
      options: { out: { type: 'string' }, 'include-cache': { type: 'boolean' }, keep: { type: 'string' }, ...PASSPHRASE },
      summary: 'back up a server into one encrypted file',
    },
    backups: { args: ['name'], options: { out: { type: 'string' } }, summary: "list a server's backups" },
    verify: { args: ['file'], options: { drill: { type: 'boolean' }, ...PASSPHRASE }, summary: 'check a backup (--drill: restore it into a temporary copy)' },
    restore: {
      args: ['file'],
      options: { name: { type: 'string' }, 'cloudflare-token-file': { type: 'string' }, 'tunnel-token-file': { type: 'string' }, ...PASSPHRASE },
      summary: 'restore a server from a backup (a new computer: --cloudflare-token-file F for a tunnel made with an API token)',
    },
    'restore-confirm': { args: ['name'], options: {}, summary: 'delete the data kept from before a restore' },
    schedule: {
      args: ['name', 'time?'],
      options: {
        daily: { type: 'string' },
        weekly: { type: 'string' },
        off: { type: 'boolean' },
        keep: { type: 'string' },
        out: { type: 'string' },
        drill: { type: 'boolean' },
        ...PASSPHRASE,
      },
      summary: 'show or set scheduled backups: --daily HH:MM | --weekly DAY HH:MM | --off',
    },
  },
  impl: {
    async backup(ctx) {
      const keep = parseKeep(ctx.str('keep'));
      const pass = await passphrase(ctx, true);
      const d = await deps(ctx);
      const out = ctx.str('out');
      const r = await createBackup(d, ctx.cmd.args.name as string, {
        ...common(ctx, pass),
        ...(out && { out }),
        ...(keep !== undefined && { keep }),
        includeCache: ctx.cmd.options['include-cache'] === true,
      });
      if (ctx.json) {
        ctx.outJson({ path: r.path, bytes: r.bytes, entries: r.manifest.entries, excluded: r.manifest.excluded, downtimeMs: r.downtimeMs, pruned: r.pruned });
        return;
      }
      ctx.out(`Backed up "${ctx.cmd.args.name}" to ${r.path} (${formatBytes(r.bytes)}).\n`);
      for (const e of r.manifest.entries) ctx.out(`  ${e.path.padEnd(28)} ${formatBytes(e.size)}\n`);
      for (const x of r.manifest.excluded) {
        ctx.out(
          `  left out: ${x.volume} (${x.reason === 'cache' ? 'a cache that is fetched again' : 'temporary'}${x.bytes !== undefined ? `, ${formatBytes(x.bytes)}` : ''})${x.reason === 'cache' ? '; --include-cache keeps it' : ''}\n`,
        );
      }
      if (r.downtimeMs > 0) ctx.out(`  downtime: ${(r.downtimeMs / 1000).toFixed(1)} s (stopped for a consistent copy)\n`);
      if (r.pruned.length > 0) ctx.out(`  deleted ${r.pruned.length} older backup(s) to keep ${keep}.\n`);
    },

    async backups(ctx) {
      const dir = path.resolve(ctx.str('out') ?? defaultBackupDir(ctx.home));
      const list = await listBackups(dir, ctx.cmd.args.name);
      if (ctx.json) {
        ctx.outJson(list.map((b) => ({ ...b, at: b.at.toISOString() })));
        return;
      }
      if (list.length === 0) {
        ctx.out(`No backups of "${ctx.cmd.args.name}" in ${dir}.\n`);
        return;
      }
      const drill = (b: (typeof list)[number]) => (b.drill === undefined ? 'not yet' : b.drill.ok ? `restores (${b.drill.at.slice(0, 10)})` : 'FAILED');
      ctx.out(
        table(
          ['FILE', 'MADE', 'SIZE', 'DRILL'],
          list.map((b) => [path.basename(b.path), b.at.toISOString(), formatBytes(b.bytes), drill(b)]),
        ),
      );
    },

    async verify(ctx) {
      const file = path.resolve(ctx.cmd.args.file as string);
      const pass = await passphrase(ctx, false);
      if (ctx.cmd.options.drill !== true) {
        const v = await verifyBackup({ recipes: ctx.recipes() }, file, common(ctx, pass));
        if (ctx.json) ctx.outJson({ ok: true, manifest: v.manifest });
        else {
          const m = v.manifest;
          ctx.out(
            `✓ ${path.basename(file)}: a complete backup of "${m.instance.name}" (${v.recipe.name} ${m.stack.version}, ${m.instance.domain}) made ${m.createdAt}.\n`,
          );
          ctx.out(`  ${m.entries.length} parts, each matching its checksum. "--drill" also restores it into a temporary copy.\n`);
        }
        return;
      }
      const r = await drillBackup(await deps(ctx), file, common(ctx, pass));
      if (ctx.json) ctx.outJson(r);
      else if (r.ok) ctx.out(`✓ The backup restores: a temporary copy started and its data matches (${(r.durationMs / 1000).toFixed(0)} s).\n`);
      else ctx.out(`✗ The backup did not pass the drill:\n${r.problems.map((p) => `  - ${p}\n`).join('')}`);
      if (!r.ok) throw new EngawaError('TASK_FAILED', `The restore drill failed: ${r.problems[0] ?? 'unknown reason'}`, { problems: r.problems });
    },

    async restore(ctx) {
      const file = path.resolve(ctx.cmd.args.file as string);
      const pass = await passphrase(ctx, false);
      const name = ctx.str('name');
      // backups leave out the Cloudflare API token: a restore on a new computer takes the user's own (checked first)
      const apiFile = ctx.str('cloudflare-token-file');
      const tunnelFile = ctx.str('tunnel-token-file');
      const given = {
        ...(apiFile !== undefined && { apiToken: await readToken(ctx, apiFile, 'cloudflare-token-file') }),
        ...(tunnelFile !== undefined && { tunnelToken: await readToken(ctx, tunnelFile, 'tunnel-token-file') }),
      };
      const d = await deps(ctx);
      const review = reviewTunnelSecrets(
        given,
        async () => {
          const target = name ?? parseBackupFileName(path.basename(file))?.instance;
          return target !== undefined && (await d.manager.find(target)) ? d.secrets.get(target) : undefined;
        },
        cloudflareOptionsFromEnv(ctx.io.env),
      );
      const r = await restoreBackup(d, file, { ...common(ctx, pass), ...(name && { name }), review });
      if (ctx.json) {
        ctx.outJson({ ok: true, name: r.name, replaced: r.replaced, domain: r.manifest.instance.domain, droppedOverrides: r.droppedOverrides });
        return;
      }
      ctx.out(`Restored "${r.name}" (${r.manifest.instance.domain}) from the backup made ${r.manifest.createdAt}.\n`);
      if (r.replaced) {
        ctx.out(`The data it had before is kept. When the server looks right, delete it with "engawa restore-confirm ${r.name}".\n`);
      }
    },

    async 'restore-confirm'(ctx) {
      const removed = await confirmRestore(await deps(ctx), ctx.cmd.args.name as string);
      if (ctx.json) ctx.outJson({ ok: true, removed });
      else
        ctx.out(
          removed.length > 0
            ? `Deleted the data "${ctx.cmd.args.name}" had before its restore.\n`
            : `"${ctx.cmd.args.name}" keeps no data from before a restore.\n`,
        );
    },

    async schedule(ctx) {
      const name = ctx.cmd.args.name as string;
      await (await ctx.manager()).get(name);
      const store = new ScheduleStore(ctx.home);
      const wanted = parseScheduleOptions(ctx, name);
      if (wanted === null) await store.set(name, null);
      else if (wanted !== undefined) {
        const secrets = new FileSecretStore(ctx.home);
        if (ctx.str('passphrase-file') !== undefined) await keepPassphrase(secrets, name, await passphrase(ctx, true));
        else if ((await keptPassphrase(secrets, name)) === undefined) {
          throw new UsageError('Scheduled backups need the passphrase kept: give it once with --passphrase-file FILE.');
        }
        await store.set(name, wanted);
      }
      const s = await store.get(name);
      const next = s && nextRun(s, new Date());
      if (ctx.json) {
        ctx.outJson({ schedule: s ?? null, nextRun: next?.toISOString() ?? null });
        return;
      }
      if (!s) {
        ctx.out(`"${name}" has no scheduled backups.\n`);
        return;
      }
      const when = s.every === 'daily' ? `daily at ${s.at}` : `every ${WEEKDAYS[s.weekday ?? 0]} at ${s.at}`;
      ctx.out(`Backs up "${name}" ${when} into ${s.out}, keeping ${s.keep ?? DEFAULT_KEEP}${s.drill ? ', with a restore drill after each' : ''}.\n`);
      ctx.out(`Next: ${next?.toString() ?? '-'} (while the Engawa app or "npm run serve" runs).\n`);
    },
  },
};

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** The schedule the options ask for: null for --off, undefined when none is asked (show it). */
function parseScheduleOptions(ctx: CliContext, name: string): BackupSchedule | null | undefined {
  const daily = ctx.str('daily');
  const weekly = ctx.str('weekly');
  const off = ctx.cmd.options.off === true;
  if ([daily !== undefined, weekly !== undefined, off].filter(Boolean).length > 1) throw new UsageError('Use one of --daily, --weekly and --off.');
  if (off) return null;
  if (daily === undefined && weekly === undefined) {
    if (ctx.str('keep') !== undefined || ctx.str('out') !== undefined || ctx.cmd.options.drill === true)
      throw new UsageError('Say when: --daily HH:MM or --weekly DAY HH:MM.');
    return undefined;
  }
  let weekday: number | undefined;
  let at = daily;
  if (weekly !== undefined) {
    weekday = WEEKDAYS.findIndex((d) => weekly.toLowerCase().startsWith(d));
    if (weekday < 0) throw new UsageError(`--weekly expects a day (mon, tue …), got "${weekly}".`);
    at = ctx.cmd.args.time;
    if (at === undefined) throw new UsageError('--weekly expects a day and a time: --weekly mon 03:00.');
  } else if (ctx.cmd.args.time !== undefined) {
    throw new UsageError(`Unexpected argument "${ctx.cmd.args.time}".`);
  }
  const out = path.resolve(ctx.str('out') ?? defaultBackupDir(ctx.home));
  try {
    return checkSchedule({
      instance: name,
      every: weekly !== undefined ? 'weekly' : 'daily',
      at: at as string,
      ...(weekday !== undefined && { weekday }),
      keep: parseKeep(ctx.str('keep')) ?? DEFAULT_KEEP,
      out,
      drill: ctx.cmd.options.drill === true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

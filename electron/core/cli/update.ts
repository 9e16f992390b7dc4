/**
 * Update commands (core/update):
 *   updates [name]                       what an update would do for each server (or one)
 *   update <name> [--to V] [--backup-dir DIR] [--passphrase-file F]
 *                                        a backup first, then each release on the way; rolls back by itself on failure
 *   rollback <name> [--yes] [--passphrase-file F]
 *                                        back to the release and the data before the last update (shows what is lost first)
 *   update-confirm <name>                keep the update: drop the rollback offer and the data kept for it
 *   start <name> (core command)          finishes or rolls back an interrupted update first (startWithUpdates)
 * The passphrase comes from --passphrase-file, ENGAWA_BACKUP_PASSPHRASE or the one the server keeps.
 * Test hook: ENGAWA_TEST_KILL_AT=<UpdatePoint> kills the process (SIGKILL) as the update passes that point.
 */
import path from 'node:path';
import { keepPassphrase, keptPassphrase } from '../backup/passphrase';
import { FileSecretStore, type InstanceRecord } from '../instances';
import {
  confirmUpdate,
  rollbackInstance,
  rollbackPreview,
  startInstance,
  updateInfo,
  updateInstance,
  type RollbackPreview,
  type UpdateInfo,
  type UpdatePoint,
} from '../update/index';
import { toEngawaError } from '../util/errors';
import { checkPolicy, PolicyStore } from '../update/policy';
import { formatBytes } from '../util/format';
import { UsageError } from './args';
import { common, deps, givenPassphrase } from './backup';
import type { CliContext } from './context';
import type { CommandGroup } from './run';

const PASSPHRASE = { 'passphrase-file': { type: 'string' as const } };

/** Every UpdatePoint (a Record, so a new point fails to compile until it is listed). */
const UPDATE_POINTS: Record<UpdatePoint, true> = {
  pulled: true,
  'backup-written': true,
  'backed-up': true,
  'pre-upgrade': true,
  switched: true,
  'post-upgrade': true,
};

/** ENGAWA_TEST_KILL_AT (a test hook; the packaged desktop app drops it from its environment): kill the process as the update passes that point. */
function killAt(ctx: CliContext): ((point: UpdatePoint) => void) | undefined {
  const at = ctx.io.env.ENGAWA_TEST_KILL_AT;
  if (at === undefined || at === '') return undefined;
  if (!Object.hasOwn(UPDATE_POINTS, at)) throw new UsageError(`ENGAWA_TEST_KILL_AT must be one of ${Object.keys(UPDATE_POINTS).join(', ')}, not "${at}".`);
  return (point) => {
    if (point === at) process.kill(process.pid, 'SIGKILL');
  };
}

/** The passphrase given, else the one `name` keeps, else undefined. */
async function availablePassphrase(ctx: CliContext, name: string, creating: boolean): Promise<string | undefined> {
  const given = await givenPassphrase(ctx, creating);
  if (given !== undefined) return given;
  const kept = await keptPassphrase(new FileSecretStore(ctx.home), name);
  if (kept !== undefined) ctx.addSecrets([kept]);
  return kept;
}

/** As availablePassphrase; a UsageError saying how to give one when there is none. */
async function neededPassphrase(ctx: CliContext, name: string, why: string, creating: boolean): Promise<string> {
  const value = await availablePassphrase(ctx, name, creating);
  if (value !== undefined) return value;
  throw new UsageError(
    `${why} needs a backup passphrase: give it with --passphrase-file FILE (or ENGAWA_BACKUP_PASSPHRASE), or keep one for "${name}" in the app's Backups tab or with "engawa schedule ${name} … --passphrase-file FILE".`,
  );
}

/** `engawa start`: through startInstance, so an interrupted update is finished or rolled back first. */
export async function startWithUpdates(ctx: CliContext): Promise<void> {
  const name = ctx.cmd.args.name as string;
  const pass = await availablePassphrase(ctx, name, false);
  await startInstance(await deps(ctx), name, {
    onProgress: ctx.progress(),
    ...(ctx.io.signal && { signal: ctx.io.signal }),
    ...(pass !== undefined && { passphrase: pass }),
  });
}

const rows = (n: number): string => `${n} row${n === 1 ? '' : 's'}`;

function duration(s: number): string {
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

/** One line: what an update would do for the server. */
export function updateLine(i: UpdateInfo): string {
  const parts: string[] = [];
  if (i.unfinished) {
    parts.push(`an update to ${i.unfinished.to} was interrupted (${i.unfinished.phase}); "engawa update ${i.name}" or "engawa start ${i.name}" finishes it`);
  } else if (i.target === undefined) {
    parts.push(`${i.stack} ${i.current}, up to date${i.newest !== i.current ? ` (${i.newest} cannot be reached from ${i.current} with this Engawa)` : ''}`);
  } else {
    const notes = [...new Set(i.steps.flatMap((s) => (s.notesUrl !== undefined ? [s.notesUrl] : [])))];
    const moves = [...new Set(i.steps.flatMap((s) => s.dataMoves))];
    const cost = [
      ...(i.downloadBytes > 0 ? [`about ${formatBytes(i.downloadBytes)} to download`] : []),
      `about ${duration(i.downtimeS)} offline${moves.length > 0 ? ` (the data of ${moves.join(', ')} moves to a new format)` : ''}`,
    ];
    const head = `${i.stack} ${[i.current, ...i.steps.map((s) => s.to)].join(' → ')}${i.security ? ' (security)' : ''}`;
    parts.push([head, ...(notes.length > 0 ? [`notes ${notes.join(' ')}`] : []), cost.join(', ')].join(' — '));
  }
  if (i.rollback?.backup) parts.push(`"engawa rollback ${i.name}" goes back to ${i.rollback.to}`);
  return `${i.name}: ${parts.join('; ')}`;
}

/** What a rollback would do, for people: the release it goes back to, the backup, and the rows that would be lost. */
export function rollbackPreviewLines(p: RollbackPreview): string[] {
  const lines = [`"${p.name}" would go back from ${p.current} to ${p.to}, with the data of the backup made ${p.backupAt} (${path.basename(p.backup)}).`];
  for (const t of p.since) {
    const now = t.now < 0 ? 'now unknown' : `${t.now} now`;
    const lost = t.now > t.then ? ` — ${rows(t.now - t.then)} written since the backup will be lost` : '';
    lines.push(`  ${t.table}: ${rows(t.then)} then, ${now}${lost}`);
  }
  if (p.since.length === 0) lines.push('  Everything written since the backup will be lost.');
  return lines;
}

export const updateCommands: CommandGroup = {
  specs: {
    updates: { args: ['name?'], options: {}, summary: 'what an update would do for each server: releases, security, notes, downtime' },
    update: {
      args: ['name'],
      options: { to: { type: 'string' }, 'backup-dir': { type: 'string' }, ...PASSPHRASE },
      summary: 'update a server to a newer release (--to V), after a verified backup; goes back by itself on failure',
    },
    rollback: {
      args: ['name'],
      options: { yes: { type: 'boolean' }, ...PASSPHRASE },
      summary: 'go back to the release and the data before the last update (--yes to do it)',
    },
    'update-confirm': { args: ['name'], options: {}, summary: 'keep the last update: drop its rollback offer and the data kept for it' },
    'update-policy': {
      args: ['name'],
      options: { notify: { type: 'boolean' }, 'auto-security': { type: 'string' }, ...PASSPHRASE },
      summary: 'show or set what happens when a release comes out: --notify (default) or --auto-security HH:MM (keeps the backup passphrase)',
    },
  },
  impl: {
    async updates(ctx) {
      const m = await ctx.manager();
      const name = ctx.cmd.args.name;
      if (name !== undefined) {
        const record = await m.get(name);
        const info = updateInfo(m.baseRecipeOf(record), record);
        if (ctx.json) ctx.outJson(info);
        else ctx.out(`${updateLine(info)}\n`);
        return;
      }
      const infos = (await m.list()).map((record: InstanceRecord) => {
        try {
          return updateInfo(m.baseRecipeOf(record), record);
        } catch (e) {
          const err = toEngawaError(e);
          return { name: record.name, error: { code: err.code, message: err.message } };
        }
      });
      if (ctx.json) {
        ctx.outJson(infos);
        return;
      }
      if (infos.length === 0) ctx.out('No servers yet.\n');
      for (const i of infos) ctx.out(`${'error' in i ? `${i.name}: cannot tell (${i.error.message})` : updateLine(i)}\n`);
    },

    async update(ctx) {
      const name = ctx.cmd.args.name as string;
      const to = ctx.str('to');
      const m = await ctx.manager();
      const record = await m.get(name);
      // refuse a bad --to, and say "up to date", before asking for a passphrase or Docker
      if (!record.update && !record.pending) {
        const info = updateInfo(m.baseRecipeOf(record), record, to);
        if (info.target === undefined) {
          if (ctx.json) ctx.outJson({ name, from: record.stackVersion, to: record.stackVersion, updated: false, steps: [], downtimeMs: 0 });
          else ctx.out(`"${name}" is up to date (${info.stack} ${record.stackVersion}).\n`);
          return;
        }
      }
      const pass = await neededPassphrase(ctx, name, `Updating "${name}" makes a backup first and`, true);
      const afterPhase = killAt(ctx);
      const backupDir = ctx.str('backup-dir');
      const r = await updateInstance(await deps(ctx), name, {
        ...common(ctx, pass),
        ...(to !== undefined && { to }),
        ...(backupDir !== undefined && { backupDir: path.resolve(backupDir) }),
        ...(afterPhase && { afterPhase }),
      });
      if (ctx.json) {
        ctx.outJson(r);
        return;
      }
      if (!r.updated) {
        ctx.out(`"${name}" is up to date (${r.to}).\n`);
        return;
      }
      ctx.out(`Updated "${name}": ${[r.from, ...r.steps.map((st) => st.to)].join(' → ')}, offline ${(r.downtimeMs / 1000).toFixed(1)} s.\n`);
      if (r.backup !== undefined) ctx.out(`  backup made before it: ${r.backup}\n`);
      ctx.out(`When the server looks right, run "engawa update-confirm ${name}"; "engawa rollback ${name}" goes back to ${r.from}.\n`);
    },

    async rollback(ctx) {
      const name = ctx.cmd.args.name as string;
      const yes = ctx.cmd.options.yes === true;
      const pass = yes ? await neededPassphrase(ctx, name, 'Going back reads the backup made before the update and', false) : undefined;
      const d = await deps(ctx);
      const preview = await rollbackPreview(d, name);
      if (pass === undefined) {
        if (ctx.json) ctx.outJson(preview);
        else ctx.out(`${rollbackPreviewLines(preview).join('\n')}\n`);
        throw new UsageError(`Nothing was changed. Run "engawa rollback ${name} --yes" to go back to ${preview.to}.`);
      }
      if (!ctx.json) ctx.out(`${rollbackPreviewLines(preview).join('\n')}\n`);
      const r = await rollbackInstance(d, name, { ...common(ctx, pass) });
      if (ctx.json) {
        ctx.outJson({ ...r, backup: preview.backup, since: preview.since });
        return;
      }
      ctx.out(`"${name}" is back on ${r.to}, with its data from ${preview.backupAt}.\n`);
      ctx.out(`The data ${r.from} had is kept; when the server looks right, delete it with "engawa restore-confirm ${name}".\n`);
    },

    async 'update-confirm'(ctx) {
      const name = ctx.cmd.args.name as string;
      const d = await deps(ctx);
      const last = (await d.manager.get(name)).lastUpdate;
      const r = await confirmUpdate(d, name);
      if (ctx.json) {
        ctx.outJson({ ok: true, name, ...(last && { from: last.from, to: last.to, backup: last.backup }), removedVolumes: r.removedVolumes });
        return;
      }
      ctx.out(`Kept the update of "${name}"${last ? ` to ${last.to}: it can no longer go back to ${last.from}` : ''}.\n`);
      if (last?.backup)
        ctx.out(`  the backup made before it (${path.basename(last.backup)}) is no longer set apart: "engawa backup --keep N" may delete it like any other\n`);
      if (r.removedVolumes.length > 0) ctx.out(`  deleted the data kept from before it: ${r.removedVolumes.join(', ')}\n`);
    },

    async 'update-policy'(ctx) {
      const name = ctx.cmd.args.name as string;
      const m = await ctx.manager();
      await m.get(name);
      const store = new PolicyStore(ctx.home);
      const at = ctx.str('auto-security');
      if (at !== undefined && ctx.cmd.options.notify === true) throw new UsageError('Choose either --notify or --auto-security HH:MM.');
      if (at !== undefined) {
        const policy = checkPolicy({ instance: name, mode: 'auto-security', at });
        // the automatic update backs up first, with the kept passphrase: keep the one given, or need one kept
        const given = await givenPassphrase(ctx, true);
        const secrets = new FileSecretStore(ctx.home);
        if (given !== undefined) await keepPassphrase(secrets, name, given);
        else if ((await keptPassphrase(secrets, name)) === undefined)
          throw new UsageError(`Automatic updates back "${name}" up first: give the backup passphrase once with --passphrase-file FILE.`);
        await store.set(policy);
      } else if (ctx.cmd.options.notify === true) await store.set({ instance: name, mode: 'notify' });
      const p = await store.get(name);
      if (ctx.json) return ctx.outJson(p);
      ctx.out(
        p.mode === 'notify'
          ? `"${name}": new releases are announced; nothing is installed by itself.\n`
          : `"${name}": security releases are installed by themselves at ${p.at} (after a verified backup), while Engawa runs.\n`,
      );
    },
  },
};

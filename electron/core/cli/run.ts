/**
 * `engawa`, the command line over the core. `runCli` is the whole program minus process glue, so
 * tests run it in-process: exit 0 on success, 1 with a one-line reason on failure, 2 on usage errors.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { EngawaError, toEngawaError } from '../util/errors';
import type { InstanceManager } from '../instances';
import { plan as makePlan } from '../stacks/plan';
import { generateSecrets } from '../stacks/secrets';
import { releasesOf } from '../stacks/releases';
import { redactPlan } from '../plan/redact';
import { COMMANDS, parseCommand, parseSet, parseSettings, parseTail, usage, UsageError, type CommandSpec, type ParsedCommand } from './args';
import { CliContext, type CliIo, type CommandImpl } from './context';
import { backupCommands } from './backup';
import { checkCommands } from './check';
import { watchCommands } from './watch';
import { startWithUpdates, updateCommands } from './update';
import { doctor } from '../api/system-check';
import { formatStatus, table } from './format';
import { formatBytes } from '../util/format';
import { pdsCommands } from './pds';
import { DOMAIN_IS_FINAL, planTunnel, planTunnelLines, tunnelCommands, tunnelInputFromCli, tunnelNotesAfterCreate } from './tunnel';
import { buildIngress } from '../tunnel/ingress';

export type { CliIo } from './context';

/** A group of commands kept in its own file (e.g. cli/pds.ts): their specs and implementations. */
export interface CommandGroup {
  specs: Record<string, CommandSpec>;
  impl: Record<string, CommandImpl>;
}

/** Command groups beyond the core commands below; add a feature's group here. */
const GROUPS: CommandGroup[] = [pdsCommands, tunnelCommands, backupCommands, updateCommands, checkCommands, watchCommands];

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let cmd: ParsedCommand;
  try {
    cmd = parseCommand(argv, allSpecs());
  } catch (e) {
    io.stderr(`engawa: ${(e as Error).message}\n`);
    return 2;
  }
  if (cmd.command === 'help') {
    io.stdout(usage(allSpecs()) + '\n');
    return 0;
  }
  const ctx = new CliContext(cmd, io);
  try {
    await allImpl()[cmd.command]!(ctx);
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`engawa: ${e.message}\n`);
      return 2;
    }
    const err = toEngawaError(e);
    const line = ctx.redact(err.message.split('\n')[0] ?? err.code);
    if (ctx.json) io.stdout(JSON.stringify({ ok: false, error: { code: err.code, message: line } }) + '\n');
    io.stderr(`engawa: ${line}\n`);
    const hint = typeof err.details?.hint === 'string' ? err.details.hint : undefined;
    if (hint && !ctx.json) io.stderr(`  ${hint}\n`);
    const lastLines = err.details?.lastLogLines;
    if (Array.isArray(lastLines) && !ctx.json && lastLines.length > 0) {
      io.stderr(`  last log lines of ${String(err.details?.service ?? 'the service')}:\n`);
      for (const l of lastLines.slice(-10)) io.stderr(`    ${ctx.redact(String(l))}\n`);
    }
    if (typeof err.details?.logFile === 'string' && !ctx.json) io.stderr(`  the last log lines are kept in ${err.details.logFile}\n`);
    return 1;
  }
}

const COMMAND_IMPL: Record<string, CommandImpl> = {
  async doctor(ctx) {
    const report = await doctor({ engine: () => ctx.engine(), recipes: ctx.recipes().list() });
    if (ctx.json) ctx.outJson(report);
    else {
      for (const c of report.checks) ctx.out(`${c.ok ? '✓' : c.level === 'warn' ? '!' : '✗'} ${c.title}: ${c.detail}\n`);
    }
    if (!report.ok) {
      const first = report.checks.find((c) => !c.ok && c.level === 'error');
      throw new EngawaError(first?.code ?? 'ENGINE_UNREACHABLE', first ? `${first.title}: ${first.detail}` : 'Docker is not ready.');
    }
  },

  async stacks(ctx) {
    const recipes = ctx.recipes().list();
    if (ctx.json) {
      const releases = (r: (typeof recipes)[number]) =>
        releasesOf(r).map((x) => ({
          version: x.version,
          security: x.security === true,
          ...(x.notesUrl !== undefined && { notesUrl: x.notesUrl }),
          ...(x.from !== undefined && { from: x.from }),
        }));
      ctx.outJson(recipes.map((r) => ({ id: r.id, name: r.name, version: r.version, memoryMiB: r.memoryMiB, summary: r.summary, releases: releases(r) })));
      return;
    }
    ctx.out(
      table(
        ['STACK', 'NAME', 'VERSION', 'MEMORY'],
        recipes.map((r) => [r.id, r.name, r.version, formatBytes(r.memoryMiB * 1024 * 1024)]),
      ),
    );
  },

  async plan(ctx) {
    const stack = ctx.recipes().get(ctx.cmd.args.stack!);
    const tunnelPlan = planTunnel(ctx, stack);
    const recipe = tunnelPlan?.recipe ?? stack;
    const domain = ctx.str('domain');
    if (!domain) throw new UsageError('"engawa plan" needs --domain.');
    const { validateDomain, validateInstanceName } = await import('../stacks/validate');
    const instance = validateInstanceName(ctx.str('name') ?? recipe.id);
    const secrets = generateSecrets(recipe, tunnelPlan?.secrets ?? {});
    ctx.addSecrets(Object.values(secrets));
    const p = makePlan(recipe, {
      instance,
      domain: validateDomain(domain),
      secrets,
      images: await ctx.images(),
      overrides: parseSet(ctx.cmd.options.set as string[] | undefined),
      settings: parseSettings(ctx.cmd.options.setting as string[] | undefined),
      ports: Object.fromEntries(recipe.services.flatMap((s) => (s.ports ?? []).map((port) => [port.name, 0]))),
    });
    const shown = redactPlan(p, ctx.reveal);
    if (ctx.json) {
      ctx.outJson(tunnelPlan ? { ...shown, tunnel: buildIngress(p) } : shown);
      return;
    }
    ctx.out(`${recipe.name} ${recipe.version} for ${p.domain} (project ${p.project})\n`);
    for (const s of p.services) {
      ctx.out(`  ${s.name.padEnd(12)} ${s.image}${s.ports.length ? `  port ${s.ports.map((x) => x.container).join(',')} on 127.0.0.1` : ''}\n`);
    }
    ctx.out(`  volumes: ${p.volumes.map((v) => v.name).join(', ')}\n`);
    ctx.out(`  setup: ${p.setup.map((s) => s.name).join(', ') || '(none)'}\n`);
    ctx.out(`  ingress: ${p.ingress.map((r) => `${r.hostname}${r.path ? ` (path ${r.path})` : ''} → ${r.service}:${r.port}`).join('; ')}\n`);
    if (tunnelPlan) ctx.out(planTunnelLines(p).join('\n') + '\n');
  },

  async create(ctx) {
    const m = await ctx.manager();
    const tunnel = await tunnelInputFromCli(ctx);
    const name = ctx.str('name');
    const domain = ctx.str('domain');
    if (!name) throw new UsageError('"engawa create" needs --name.');
    if (!domain) throw new UsageError('"engawa create" needs --domain.');
    let admin: { user: string; email: string; password?: string } | null | undefined;
    if (ctx.cmd.options['no-admin'] === true) admin = null;
    else if (ctx.str('admin-user') || ctx.str('admin-email') || ctx.str('admin-password-file')) {
      const user = ctx.str('admin-user');
      const email = ctx.str('admin-email');
      if (!user || !email) throw new UsageError('--admin-user and --admin-email go together.');
      const file = ctx.str('admin-password-file');
      let password: string | undefined;
      if (file) {
        try {
          password = (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
        } catch (e) {
          throw new UsageError(`Cannot read --admin-password-file: ${(e as Error).message}`);
        }
        ctx.addSecrets([password]);
      }
      admin = password === undefined ? { user, email } : { user, email, password };
    }
    const input: Parameters<InstanceManager['create']>[0] = {
      stack: ctx.cmd.args.stack!,
      name,
      domain,
      overrides: parseSet(ctx.cmd.options.set as string[] | undefined),
      settings: parseSettings(ctx.cmd.options.setting as string[] | undefined),
      tunnel,
    };
    if (admin !== undefined) input.admin = admin;
    if (ctx.cmd.options['allow-low-memory'] === true) input.allowLowMemory = true;
    const version = ctx.str('version');
    if (version !== undefined) input.version = version;
    if (tunnel !== 'none' && !ctx.json) ctx.io.stderr(`${DOMAIN_IS_FINAL}\n`);
    const result = await m.create(input, { onProgress: ctx.progress(), signal: ctx.io.signal });
    const status = await m.status(name);
    const dashboard = await tunnelNotesAfterCreate(ctx, name);
    if (ctx.json) {
      ctx.outJson({
        ...status,
        adminPassword: result.adminPassword ? (ctx.reveal ? result.adminPassword : '[shown once on the terminal]') : undefined,
        ...(dashboard.length > 0 && { tunnelDashboard: dashboard }),
      });
    } else {
      ctx.out(formatStatus(status));
      if (dashboard.length > 0) ctx.out(`\n${dashboard.join('\n')}\n`);
    }
    if (result.adminPassword) {
      // Shown once, on the terminal only (stderr), never in JSON output or logs.
      ctx.io.stderr(`\nAdmin password (shown once, keep it safe): ${result.adminPassword}\n`);
    }
  },

  async list(ctx) {
    const m = await ctx.manager();
    const records = await m.list();
    if (ctx.json) {
      ctx.outJson(records.map((r) => ({ name: r.name, stack: r.stack, domain: r.domain, state: r.state })));
      return;
    }
    if (records.length === 0) {
      ctx.out('No servers yet. Create one with "engawa create <stack> --name N --domain D".\n');
      return;
    }
    ctx.out(
      table(
        ['NAME', 'STACK', 'DOMAIN', 'STATE'],
        records.map((r) => [r.name, r.stack, r.domain, r.state]),
      ),
    );
  },

  async status(ctx) {
    const m = await ctx.manager();
    const status = await m.status(ctx.cmd.args.name!);
    // the image map kept at create (mirrors, local images), which every later command uses
    const images = (await m.get(ctx.cmd.args.name!)).images ?? {};
    if (ctx.json) ctx.outJson({ ...status, images });
    else {
      ctx.out(formatStatus(status));
      for (const [official, local] of Object.entries(images)) ctx.out(`  image:      ${official} → ${local}\n`);
    }
  },

  async start(ctx) {
    await startWithUpdates(ctx);
    await printStatusAfter(ctx, await ctx.manager());
  },

  async stop(ctx) {
    const m = await ctx.manager();
    await m.stop(ctx.cmd.args.name!, { onProgress: ctx.progress(), signal: ctx.io.signal });
    await printStatusAfter(ctx, m);
  },

  async restart(ctx) {
    const m = await ctx.manager();
    // an interrupted update is finished or rolled back first: that start is the restart
    if ((await m.get(ctx.cmd.args.name!)).update) await startWithUpdates(ctx);
    else await m.restart(ctx.cmd.args.name!, { onProgress: ctx.progress(), signal: ctx.io.signal });
    await printStatusAfter(ctx, m);
  },

  async logs(ctx) {
    const m = await ctx.manager();
    const tail = parseTail(ctx.str('tail'));
    const opts: { service?: string; tail?: number; follow?: boolean; signal?: AbortSignal } = { follow: ctx.cmd.options.follow === true };
    const service = ctx.str('service');
    if (service) opts.service = service;
    if (tail !== undefined) opts.tail = tail;
    if (ctx.io.signal) opts.signal = ctx.io.signal;
    await m.logs(ctx.cmd.args.name!, opts, (l) => {
      if (ctx.json) ctx.out(JSON.stringify(l) + '\n');
      else ctx.out(`${l.service.padEnd(10)} | ${l.line}\n`);
    });
  },

  async export(ctx) {
    const dir = ctx.str('compose');
    if (!dir) throw new UsageError('"engawa export" needs --compose DIR.');
    const m = await ctx.manager();
    const written = await m.exportCompose(ctx.cmd.args.name!, path.resolve(dir));
    if (ctx.json) ctx.outJson({ dir: path.resolve(dir), files: written });
    else ctx.out(`Wrote a docker-compose project to ${path.resolve(dir)} (${written.length} files). See its README.md.\n`);
  },

  async destroy(ctx) {
    if (ctx.cmd.options.yes !== true) {
      throw new UsageError(`This deletes "${ctx.cmd.args.name}" and all its data. Run again with --yes to confirm.`);
    }
    const m = await ctx.manager();
    await m.destroy(ctx.cmd.args.name!, { onProgress: ctx.progress() });
    if (ctx.json) ctx.outJson({ ok: true, destroyed: ctx.cmd.args.name });
    else ctx.out(`Deleted "${ctx.cmd.args.name}".\n`);
  },
};

/** Every command the CLI has: the core ones and each group's. */
export function allSpecs(): Record<string, CommandSpec> {
  return Object.assign({}, COMMANDS, ...GROUPS.map((g) => g.specs)) as Record<string, CommandSpec>;
}

function allImpl(): Record<string, CommandImpl> {
  return Object.assign({}, COMMAND_IMPL, ...GROUPS.map((g) => g.impl)) as Record<string, CommandImpl>;
}

async function printStatusAfter(ctx: CliContext, m: InstanceManager): Promise<void> {
  const status = await m.status(ctx.cmd.args.name!);
  if (ctx.json) ctx.outJson(status);
  else ctx.out(formatStatus(status));
}

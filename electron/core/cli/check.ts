/**
 * `engawa check <name> [--json] [--last]`: the outside-in check of a server ("Can the world reach
 * me?", core/check): every item with one sentence each, exit code 1 when an item failed. `--last`
 * prints the check kept from last time without asking anything. No secret of the instance is ever
 * printed (the output is redacted with them). Test hooks: ENGAWA_CHECK_FRONT_URL,
 * ENGAWA_CHECK_PLC_URL, ENGAWA_CHECK_RELAY_URL (see core/check/index.ts).
 */
import { checkInstance, checkOptionsFromEnv, lastCheck, type CheckResult } from '../check/index';
import { FileSecretStore } from '../instances';
import { EngawaError } from '../util/errors';
import type { CommandGroup } from './run';

const MARKS = { true: '✓', false: '✗', unknown: '?' } as const;

/** The human form of a check result. */
export function formatCheck(result: CheckResult): string {
  const lines = [
    `Check of "${result.instance}" at ${result.publicUrl ?? '(no public URL)'}, ${result.checkedAt} (${(result.durationMs / 1000).toFixed(1)} s):`,
  ];
  for (const item of result.items) {
    const mark = item.kind === 'note' ? 'i' : MARKS[String(item.pass) as keyof typeof MARKS];
    lines.push(`  ${mark} ${item.id}: ${item.message}`);
  }
  const { passed, failed, unknown } = result.counts;
  const summary = `${failed} failed, ${passed} passed, ${unknown} not checked`;
  lines.push(result.ok ? `✓ Nothing failed (${summary}).` : `✗ ${summary}.`);
  return lines.join('\n') + '\n';
}

export const checkCommands: CommandGroup = {
  specs: {
    check: {
      args: ['name'],
      options: { last: { type: 'boolean' } },
      summary: 'check the server from the outside, as other servers and apps see it (--last: the last check kept)',
    },
  },
  impl: {
    async check(ctx) {
      const name = ctx.cmd.args.name as string;
      const m = await ctx.manager();
      await m.get(name);
      ctx.addSecrets(Object.values(await new FileSecretStore(ctx.home).get(name).catch(() => ({}))));
      let result: CheckResult | null;
      if (ctx.cmd.options.last === true) {
        result = await lastCheck(ctx.home, name);
        if (result === null) throw new EngawaError('NOT_FOUND', `"${name}" has not been checked yet; run "engawa check ${name}".`, { name });
      } else {
        result = await checkInstance({ home: ctx.home, manager: m }, name, checkOptionsFromEnv(ctx.io.env));
      }
      if (ctx.json) ctx.outJson(result);
      else ctx.out(formatCheck(result));
      if (!result.ok) ctx.exitCode = 1;
    },
  },
};

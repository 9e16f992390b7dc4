/**
 * `engawa pds <action> <name>`: administration of a Bluesky PDS instance (stacks/bluesky/admin.ts).
 *   accounts                                   list the accounts (handle, DID, e-mail)
 *   create-account --handle H --email E [--password-file F]
 *   reset-password --handle H [--password-file F]
 *   invite                                     print a new single-use invite code
 *   announce                                   ask the configured relays to crawl the PDS again
 * A password Engawa makes up is shown once, on stderr only.
 */
import { readFile } from 'node:fs/promises';
import { PdsAdmin } from '../stacks/bluesky/admin';
import { UsageError } from './args';
import type { CliContext } from './context';
import { table } from './format';
import type { CommandGroup } from './run';

/** Each action and the options it takes (beyond the global ones). */
const ACTIONS: Record<string, string[]> = {
  accounts: [],
  'create-account': ['handle', 'email', 'password-file'],
  'reset-password': ['handle', 'password-file'],
  invite: [],
  announce: [],
};
const ALL_OPTIONS = ['handle', 'email', 'password-file'];

export const pdsCommands: CommandGroup = {
  specs: {
    pds: {
      args: ['action', 'name'],
      options: { handle: { type: 'string' }, email: { type: 'string' }, 'password-file': { type: 'string' } },
      summary: `Bluesky PDS: ${Object.keys(ACTIONS).join(' | ')}`,
    },
  },
  impl: {
    async pds(ctx) {
      const action = ctx.cmd.args.action as string;
      const allowed = ACTIONS[action];
      if (!Object.hasOwn(ACTIONS, action) || allowed === undefined) {
        throw new UsageError(`Unknown action "pds ${action}"; use one of: ${Object.keys(ACTIONS).join(', ')}.`);
      }
      const extra = ALL_OPTIONS.find((o) => ctx.cmd.options[o] !== undefined && !allowed.includes(o));
      if (extra !== undefined) throw new UsageError(`"engawa pds ${action}" does not take --${extra}.`);
      const name = ctx.cmd.args.name as string;
      const admin = await PdsAdmin.open(await ctx.manager(), name);
      ctx.addSecrets(admin.secretValues);
      await ACTION_IMPL[action]!(ctx, admin);
    },
  },
};

type ActionImpl = (ctx: CliContext, admin: PdsAdmin) => Promise<void>;

const ACTION_IMPL: Record<string, ActionImpl> = {
  async accounts(ctx, admin) {
    const accounts = await admin.accounts();
    if (ctx.json) {
      ctx.outJson(accounts);
      return;
    }
    if (accounts.length === 0) {
      ctx.out(`"${admin.name}" has no accounts yet. Create one with "engawa pds create-account ${admin.name} --handle NAME --email ADDRESS".\n`);
      return;
    }
    ctx.out(
      table(
        ['HANDLE', 'DID', 'EMAIL'],
        accounts.map((a) => [a.handle, a.did, a.email ?? '-']),
      ),
    );
  },

  async 'create-account'(ctx, admin) {
    const handle = required(ctx, 'handle', 'create-account');
    const email = required(ctx, 'email', 'create-account');
    const password = await passwordFile(ctx);
    const result = await admin.createAccount({ handle, email, ...(password !== undefined && { password }) });
    if (ctx.json) ctx.outJson({ did: result.did, handle: result.handle });
    else ctx.out(`Created ${result.handle} (${result.did}).\n`);
    showOnce(ctx, result.password);
  },

  async 'reset-password'(ctx, admin) {
    const handle = required(ctx, 'handle', 'reset-password');
    const result = await admin.resetPassword(handle, await passwordFile(ctx));
    if (ctx.json) ctx.outJson({ did: result.did, handle: result.handle });
    else ctx.out(`Set a new password for ${result.handle}.\n`);
    showOnce(ctx, result.password);
  },

  async invite(ctx, admin) {
    const code = await admin.invite();
    if (ctx.json) ctx.outJson({ code });
    else ctx.out(`${code}\n`);
  },

  async announce(ctx, admin) {
    const relays = await admin.announce();
    if (ctx.json) ctx.outJson({ hostname: admin.hostname, relays });
    else ctx.out(`Asked ${relays.join(', ')} to crawl ${admin.hostname}.\n`);
  },
};

function required(ctx: CliContext, option: string, action: string): string {
  const v = ctx.str(option);
  if (!v) throw new UsageError(`"engawa pds ${action}" needs --${option}.`);
  return v;
}

async function passwordFile(ctx: CliContext): Promise<string | undefined> {
  const file = ctx.str('password-file');
  if (!file) return undefined;
  let password: string;
  try {
    password = (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  } catch (e) {
    throw new UsageError(`Cannot read --password-file: ${(e as Error).message}`);
  }
  ctx.addSecrets([password]);
  return password;
}

/** A made-up password, on the terminal only (stderr), never in JSON output or logs. */
function showOnce(ctx: CliContext, password: string | undefined): void {
  if (password !== undefined) ctx.io.stderr(`\nPassword (shown once, keep it safe): ${password}\n`);
}

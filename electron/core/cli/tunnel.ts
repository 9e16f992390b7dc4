/**
 * Cloudflare Tunnel on the command line:
 *   create … --tunnel api --cloudflare-token-file F --zone Z [--hostname H] [--tunnel-protocol http2]
 *   create … --tunnel token --tunnel-token-file F --hostname H [--tunnel-protocol http2]
 *   create … --tunnel login [--hostname H] [--tunnel-protocol http2]   (sign in with Cloudflare: the
 *            link is printed on stderr; Engawa waits ENGAWA_TUNNEL_LOGIN_TIMEOUT_S seconds, default 600)
 *   create … --tunnel none   (the default)
 *   plan …   --tunnel api|token|login   (shows the connector and the ingress; no API call, no token)
 *   engawa tunnel status <name> [--json]
 * The domain is chosen once: a fediverse server's identity (accounts, posts, keys, handles) is
 * tied to it, so neither the domain nor the tunnel's host names can change after creation.
 * Tokens are read from files (never from the command line) and redacted from all output.
 */
import { readFile } from 'node:fs/promises';
import { EngawaError } from '../util/errors';
import type { Plan } from '../plan/types';
import { FileSecretStore } from '../instances';
import type { Recipe } from '../stacks/types';
import { cloudflareOptionsFromEnv } from '../tunnel/api';
import { CONNECTOR_SERVICE, TOKEN_PLACEHOLDER, withConnector } from '../tunnel/connector';
import { probeUrl, tunnelHealth } from '../tunnel/health';
import { buildIngress } from '../tunnel/ingress';
import { apiFor } from '../tunnel/instance-tunnel';
import { DEFAULT_SIGN_IN_TIMEOUT_MS } from '../tunnel/login';
import { CREDENTIALS_PLACEHOLDER, TUNNEL_NAME_PLACEHOLDER, withLoginConnector } from '../tunnel/login-connector';
import { dashboardInstructions } from '../tunnel/token';
import { TUNNEL_SECRETS, type TunnelInput, type TunnelProtocol } from '../tunnel/types';
import { UsageError } from './args';
import type { CliContext } from './context';
import type { CommandGroup } from './run';

/** Why the domain cannot change, said before a server is created. */
export const DOMAIN_IS_FINAL = "The domain cannot be changed later: your server's identity (accounts, posts, keys and handles) is tied to it.";

const MODES = ['none', 'api', 'token', 'login'] as const;

/** The tunnel choice of `create`, from its options; reads the token files and hides their contents from all output. */
export async function tunnelInputFromCli(ctx: CliContext): Promise<TunnelInput> {
  const mode = tunnelMode(ctx);
  const protocol = protocolOf(ctx);
  const hostname = ctx.str('hostname');
  const misplaced = (flag: string, modeName: string) => {
    if (ctx.cmd.options[flag] !== undefined) throw new UsageError(`--${flag} goes with --tunnel ${modeName}.`);
  };
  if (mode !== 'api') {
    misplaced('cloudflare-token-file', 'api');
    misplaced('zone', 'api');
  }
  if (mode !== 'token') misplaced('tunnel-token-file', 'token');
  if (mode === 'none') {
    misplaced('hostname', 'api, token or login');
    misplaced('tunnel-protocol', 'api, token or login');
    return 'none';
  }
  const extra = { ...(hostname !== undefined && { hostname }), ...(protocol !== undefined && { protocol }) };
  if (mode === 'login') return { mode: 'login', ...extra, timeoutMs: loginTimeoutMs(ctx), ...(ctx.json && { onLink: (url: string) => printLink(ctx, url) }) };
  if (mode === 'api') {
    const zone = ctx.str('zone');
    const file = ctx.str('cloudflare-token-file');
    if (!file) throw new UsageError('--tunnel api needs --cloudflare-token-file F (a file holding your Cloudflare API token).');
    if (!zone) throw new UsageError('--tunnel api needs --zone Z (your domain on Cloudflare, such as example.com).');
    return { mode: 'api', apiToken: await readToken(ctx, file, 'cloudflare-token-file'), zone, ...extra };
  }
  const file = ctx.str('tunnel-token-file');
  if (!file) throw new UsageError("--tunnel token needs --tunnel-token-file F (a file holding the tunnel token from Cloudflare's dashboard).");
  if (!hostname) throw new UsageError("--tunnel token needs --hostname H (the public host name you will enter in Cloudflare's dashboard).");
  return { mode: 'token', connectorToken: await readToken(ctx, file, 'tunnel-token-file'), ...extra };
}

/**
 * For `engawa plan --tunnel api|token`: the recipe with the connector, and the secrets to plan it
 * with (the connector token is a placeholder). Undefined without a tunnel.
 */
export function planTunnel(ctx: CliContext, recipe: Recipe): { recipe: Recipe; secrets: Record<string, string> } | undefined {
  const mode = tunnelMode(ctx);
  if (mode === 'none') return undefined;
  if (mode === 'login')
    return {
      recipe: withLoginConnector(recipe, { protocol: protocolOf(ctx) ?? 'auto', tunnelName: TUNNEL_NAME_PLACEHOLDER }),
      secrets: { [TUNNEL_SECRETS.credentials]: CREDENTIALS_PLACEHOLDER },
    };
  return { recipe: withConnector(recipe, { protocol: protocolOf(ctx) ?? 'auto' }), secrets: { [TUNNEL_SECRETS.connector]: TOKEN_PLACEHOLDER } };
}

/** The ingress lines `engawa plan` prints for a tunnel. */
export function planTunnelLines(p: Plan): string[] {
  return [`  tunnel ingress (${CONNECTOR_SERVICE}): ${JSON.stringify(buildIngress(p))}`, `  ${DOMAIN_IS_FINAL}`];
}

/** After `create --tunnel token`: what to enter in Cloudflare's dashboard (stdout, or in the JSON). */
export async function tunnelNotesAfterCreate(ctx: CliContext, name: string): Promise<string[]> {
  const m = await ctx.manager();
  const record = await m.get(name);
  if (record.tunnel?.mode !== 'token') return [];
  return dashboardInstructions(buildIngress(await m.planFor(name)), record.tunnel.tunnelId);
}

export const tunnelCommands: CommandGroup = {
  specs: {
    tunnel: { args: ['action', 'name'], options: {}, summary: "Cloudflare Tunnel: status (connector, Cloudflare's view, the public URL)" },
  },
  impl: {
    async tunnel(ctx) {
      const action = ctx.cmd.args.action as string;
      if (action !== 'status') throw new UsageError(`Unknown action "tunnel ${action}"; use: status.`);
      const name = ctx.cmd.args.name as string;
      const m = await ctx.manager();
      const record = await m.get(name);
      if (record.tunnel === null) {
        throw new EngawaError('STATE', `"${name}" has no tunnel: it was created without one, and the tunnel is chosen when a server is created.`, { name });
      }
      const secrets = await new FileSecretStore(ctx.home).get(name);
      ctx.addSecrets(Object.values(secrets));
      const plan = await m.planFor(name);
      const services = await (await ctx.engine()).status(plan.project);
      const cloudflare = cloudflareOptionsFromEnv(ctx.io.env);
      const edge = ctx.io.env.ENGAWA_TUNNEL_EDGE_URL;
      const health = await tunnelHealth({
        tunnel: record.tunnel,
        connector: services.find((s) => s.name === CONNECTOR_SERVICE),
        ...(record.tunnel.mode === 'api' && { api: apiFor(secrets, { cloudflare }) }),
        healthPath: plan.web.healthPath,
        probe: probeUrl(edge ? { edge } : {}),
      });
      if (ctx.json) {
        ctx.outJson(health);
        return;
      }
      const cf = health.cloudflare;
      ctx.out(
        [
          `Tunnel of "${name}": ${health.publicUrl} (${MODE_NOTES[record.tunnel.mode]})`,
          `  connector:  ${health.connector.state}, ${health.connector.health}`,
          ...(cf === undefined
            ? []
            : ['error' in cf ? `  cloudflare: unknown (${cf.error.message})` : `  cloudflare: ${cf.status}, ${cf.connections} connection(s)`]),
          `  public URL: ${health.probe.ok ? 'answers' : (health.probe.problem ?? 'fails')}`,
          health.ok ? '✓ reachable from the internet' : '✗ problems:',
          ...health.problems.map((p) => `  - ${p.message}`),
        ].join('\n') + '\n',
      );
    },
  },
};

const MODE_NOTES = { api: 'managed by Engawa', token: 'your own tunnel', login: 'managed by Engawa with your Cloudflare sign-in' } as const;

/** How long `--tunnel login` waits for the sign-in: ENGAWA_TUNNEL_LOGIN_TIMEOUT_S seconds, default 10 minutes. */
function loginTimeoutMs(ctx: CliContext): number {
  const text = ctx.io.env.ENGAWA_TUNNEL_LOGIN_TIMEOUT_S;
  if (text === undefined || text === '') return DEFAULT_SIGN_IN_TIMEOUT_MS;
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds <= 0) throw new UsageError(`ENGAWA_TUNNEL_LOGIN_TIMEOUT_S must be a whole number of seconds, not "${text}".`);
  return seconds * 1000;
}

/** The sign-in link on stderr (with --json, where progress lines are not printed). */
function printLink(ctx: CliContext, url: string): void {
  ctx.io.stderr(`Sign in with Cloudflare: open this link in your browser, log in and authorize your domain:\n  ${url}\n`);
}

function tunnelMode(ctx: CliContext): (typeof MODES)[number] {
  const mode = ctx.str('tunnel') ?? 'none';
  if (!(MODES as readonly string[]).includes(mode)) throw new UsageError(`--tunnel must be one of: ${MODES.join(', ')} (got "${mode}").`);
  return mode as (typeof MODES)[number];
}

function protocolOf(ctx: CliContext): TunnelProtocol | undefined {
  const p = ctx.str('tunnel-protocol');
  if (p !== undefined && p !== 'auto' && p !== 'http2')
    throw new UsageError(`--tunnel-protocol must be auto or http2 (use http2 where UDP is blocked), not "${p}".`);
  return p;
}

/** A token from the file an option names (trimmed; redacted from all output from now on). */
export async function readToken(ctx: CliContext, file: string, flag: string): Promise<string> {
  let token: string;
  try {
    token = (await readFile(file, 'utf8')).trim();
  } catch (e) {
    throw new UsageError(`Cannot read --${flag}: ${(e as Error).message}`);
  }
  if (token === '') throw new UsageError(`--${flag} names an empty file; put the token in it.`);
  ctx.addSecrets([token]);
  return token;
}

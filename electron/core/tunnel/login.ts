/**
 * "Sign in with Cloudflare": no API token, only cloudflared's own commands (each a one-off
 * container, see login-runner.ts) and a locally-managed tunnel.
 *   signIn (before anything is recorded): `tunnel login` prints a link (handed to the caller as the
 *          detail of the progress step SIGN_IN_STEP, and to `onLink`), the user approves a domain in
 *          the browser, cloudflared writes cert.pem; `tunnel list` checks it. On a timeout, a cancel or
 *          any failure, the volume is removed again: nothing is left behind.
 *   provisionLogin: find the tunnel by its stable name (`tunnel list`) or `tunnel create` it →
 *          `tunnel token ID` gives its credentials, handed to `keepCredentials` for the secret store
 *          (the connector gets only them, never cert.pem) → `tunnel route dns` for each public host name.
 *          The ingress needs no step: it is the connector's config file (login-connector.ts).
 *   teardownLogin (after the connector is removed): `tunnel delete -f`, then the volume. cloudflared
 *          has no command that deletes a DNS record, so the CNAMEs `route dns` made are named to the
 *          user, to delete in Cloudflare's dashboard.
 * Each step records its progress through `save`, so running it again resumes.
 */
import { EngawaError, isEngawaError } from '../util/errors';
import type { EngineApi, TaskResult } from '../engine/types';
import { asStep, type ProgressSink } from '../util/progress';
import { credentialsFile, instanceOfVolume, loginVolumeName } from './login-connector';
import {
  credentialsFromToken,
  hasExistingCert,
  isMissingCert,
  isRecordTaken,
  parseCreatedTunnel,
  parseLoginUrl,
  parseRouteResult,
  parseTunnelList,
  type ListedTunnel,
} from './login-output';
import { CloudflaredCli } from './login-runner';
import { tunnelTarget } from './provision';
import type { TunnelProtocol, TunnelRecord } from './types';

/** The sign-in-mode tunnel record. */
export type LoginTunnel = Extract<TunnelRecord, { mode: 'login' }>;

/** The progress step whose `start` event carries the sign-in link as its `detail` (the UI opens it). */
export const SIGN_IN_STEP = 'Sign in to Cloudflare';
/** How long the sign-in waits for the user by default. */
export const DEFAULT_SIGN_IN_TIMEOUT_MS = 10 * 60_000;

export interface LoginContext {
  engine: EngineApi;
  /** official image → local image (tests, mirrors) */
  images: Record<string, string>;
  onProgress?: ProgressSink;
  signal?: AbortSignal;
}

export interface SignInInput {
  /** the instance's compose project and name */
  project: string;
  instance: string;
  publicHost: string;
  /** every public host name of the ingress */
  hostnames: string[];
  tunnelName: string;
  protocol: TunnelProtocol;
  timeoutMs?: number;
  onLink?: (url: string) => void;
}

/** Signs in (or finds the sign-in of an earlier attempt) and checks it; returns the record to store. */
export async function signIn(input: SignInInput, ctx: LoginContext): Promise<LoginTunnel> {
  const timeoutMs = input.timeoutMs ?? DEFAULT_SIGN_IN_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new EngawaError('INVALID_INPUT', 'The time to wait for the Cloudflare sign-in must be a positive number of milliseconds.', { timeoutMs });
  }
  const volume = loginVolumeName(input.project);
  const cli = await CloudflaredCli.open(ctx.engine, { volume, instance: input.instance, images: ctx.images, ...progressOf(ctx) });
  try {
    await login(cli, input, timeoutMs, ctx);
    await asStep(ctx.onProgress, 'Check the Cloudflare sign-in', () => listTunnels(cli));
  } catch (e) {
    await cli.remove().catch(() => undefined); // the volume holds nothing worth keeping, or a sign-in that does not work
    throw e;
  }
  return {
    mode: 'login',
    protocol: input.protocol,
    publicHost: input.publicHost,
    name: input.tunnelName,
    volume,
    hostnames: [...input.hostnames],
    routed: [],
  };
}

/** Makes the tunnel exist and route the record's host names to it; returns the updated record. */
export async function provisionLogin(
  t: LoginTunnel,
  ctx: LoginContext & {
    save: (t: LoginTunnel) => Promise<void>;
    /**
     * Receives the tunnel's credentials file (JSON) to keep as the secret TUNNEL_SECRETS.credentials.
     * Without it (a connector of an earlier Engawa that mounts cloudflared's home), the file is
     * written next to cert.pem instead.
     */
    keepCredentials?: (credentials: string) => Promise<void>;
  },
): Promise<LoginTunnel> {
  let tunnel = t;
  const update = async (next: LoginTunnel): Promise<void> => {
    tunnel = next;
    await ctx.save(next);
  };
  const cli = await open(t, ctx);

  const tunnelId = await asStep(ctx.onProgress, 'Create the Cloudflare tunnel', async () => {
    const found = (await listTunnels(cli, tunnel.name))[0];
    let id = found?.id;
    if (id !== undefined) {
      if (ctx.keepCredentials === undefined) await ensureCredentials(cli, id);
    } else {
      const r = await cli.run(['tunnel', 'create', tunnel.name]);
      if (r.exitCode !== 0) throw failure('create the tunnel', r);
      id = parseCreatedTunnel(r.stdout)?.id;
      if (id === undefined) throw failure('create the tunnel', r);
    }
    if (tunnel.tunnelId !== id) await update({ ...tunnel, tunnelId: id });
    return id;
  });
  const keep = ctx.keepCredentials;
  if (keep !== undefined) await asStep(ctx.onProgress, 'Fetch the tunnel credentials', async () => keep(await fetchCredentials(cli, tunnelId)));

  for (const host of tunnel.hostnames) {
    await asStep(ctx.onProgress, `Point ${host} to the tunnel`, async () => {
      const r = await cli.run(['tunnel', 'route', 'dns', tunnelId, host]);
      const output = `${r.stdout}\n${r.stderr}`;
      if (r.exitCode !== 0 && isRecordTaken(output)) {
        throw new EngawaError(
          'NAME_TAKEN',
          `${host} already has a DNS record Engawa did not create; Engawa will not replace it. Delete it in Cloudflare's dashboard (your domain → DNS → Records), or choose another domain, then run create again.`,
          { reason: 'foreign-record', host },
        );
      }
      const route = r.exitCode === 0 ? parseRouteResult(output) : undefined;
      if (route === undefined) throw failure(`point ${host} to the tunnel`, r);
      if (!tunnel.routed.includes(route.name)) await update({ ...tunnel, routed: [...tunnel.routed, route.name] });
      if (route.name !== host) {
        throw new EngawaError(
          'INVALID_INPUT',
          `You signed in to Cloudflare with a domain that does not hold ${host}, so Cloudflare made the DNS record ${route.name} instead. Destroy this server (Engawa then says which record to delete), and create it again choosing the domain of ${host} when you sign in.`,
          { reason: 'wrong-zone', host, made: route.name },
        );
      }
    });
  }
  return tunnel;
}

/**
 * Deletes the tunnel, then cloudflared's home volume (call it after removing the connector). The DNS
 * records `route dns` made stay: cloudflared cannot delete them, so the user is told which ones.
 */
export async function teardownLogin(tunnel: LoginTunnel, ctx: LoginContext & { save: (t: LoginTunnel) => Promise<void> }): Promise<void> {
  const cli = await open(tunnel, ctx);
  await asStep(ctx.onProgress, 'Delete the Cloudflare tunnel', async () => {
    const listed = await cli.run(['tunnel', 'list', '--name', tunnel.name, '--output', 'json']);
    if (listed.exitCode !== 0 && isMissingCert(`${listed.stdout}\n${listed.stderr}`)) {
      // the sign-in is gone (its volume was deleted): only the user can delete the tunnel now
      ctx.onProgress?.({
        kind: 'log',
        line: `Engawa could not delete the tunnel ${tunnel.name}${tunnel.tunnelId ? ` (${tunnel.tunnelId})` : ''} because its Cloudflare sign-in is gone; delete it in Cloudflare's dashboard under Zero Trust → Networks → Tunnels.`,
      });
      return;
    }
    if (listed.exitCode !== 0) throw failure('list the tunnels', listed);
    for (const found of tunnelsNamed(parseList(listed), tunnel.name)) {
      const r = await cli.run(['tunnel', 'delete', '-f', found.id]);
      if (r.exitCode !== 0 && !/has already been deleted/.test(`${r.stdout}\n${r.stderr}`)) throw failure('delete the tunnel', r);
    }
  });
  const target = tunnel.tunnelId !== undefined ? tunnelTarget(tunnel.tunnelId) : `the tunnel ${tunnel.name}`;
  if (tunnel.routed.length > 0) {
    ctx.onProgress?.({
      kind: 'step',
      step: 'Delete the DNS records Engawa made',
      state: 'skipped',
      detail: "cloudflared cannot delete DNS records; delete them in Cloudflare's dashboard",
    });
    for (const name of tunnel.routed) {
      ctx.onProgress?.({
        kind: 'log',
        line: `In Cloudflare's dashboard (your domain → DNS → Records), delete the CNAME record ${name} (it points to ${target}).`,
      });
    }
  }
  await asStep(ctx.onProgress, 'Delete the Cloudflare sign-in', () => cli.remove());
  const { tunnelId: _gone, ...rest } = tunnel;
  await ctx.save(rest);
}

/** Runs `tunnel login` to its end, handing on the link; TIMEOUT when the user does not finish in time. */
async function login(cli: CloudflaredCli, input: SignInInput, timeoutMs: number, ctx: LoginContext): Promise<void> {
  const timer = AbortSignal.timeout(timeoutMs);
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, timer]) : timer;
  const wait = duration(timeoutMs);
  let link: string | undefined;
  const onLine = (_stream: string, line: string): void => {
    const url = link === undefined ? parseLoginUrl(line) : undefined;
    if (url === undefined) return;
    link = url;
    ctx.onProgress?.({ kind: 'step', step: SIGN_IN_STEP, state: 'start', detail: url });
    ctx.onProgress?.({
      kind: 'log',
      line: `Open this link in your browser, log in to Cloudflare and authorize the domain of ${input.publicHost}; Engawa waits up to ${wait}.`,
    });
    input.onLink?.(url);
  };
  let r: TaskResult;
  try {
    r = await cli.run(['tunnel', 'login'], { signal, onLine });
  } catch (e) {
    ctx.onProgress?.({ kind: 'step', step: SIGN_IN_STEP, state: 'failed' });
    if (isEngawaError(e, 'CANCELLED') && timer.aborted) {
      throw new EngawaError(
        'TIMEOUT',
        `The Cloudflare sign-in was not finished within ${wait}, so nothing was created; run the command again, open the new link and authorize your domain.`,
        { reason: 'sign-in-timeout', timeoutMs },
      );
    }
    throw e;
  }
  const output = `${r.stdout}\n${r.stderr}`;
  if (r.exitCode !== 0) {
    ctx.onProgress?.({ kind: 'step', step: SIGN_IN_STEP, state: 'failed' });
    throw failure('finish the sign-in (cloudflared stopped waiting for it; open the new link sooner)', r);
  }
  if (hasExistingCert(output)) ctx.onProgress?.({ kind: 'step', step: SIGN_IN_STEP, state: 'skipped', detail: 'signed in by an earlier attempt' });
  else ctx.onProgress?.({ kind: 'step', step: SIGN_IN_STEP, state: 'done' });
}

function open(t: LoginTunnel, ctx: LoginContext): Promise<CloudflaredCli> {
  return CloudflaredCli.open(ctx.engine, { volume: t.volume, instance: instanceOfVolume(t.volume), images: ctx.images, ...progressOf(ctx) });
}

/** Non-deleted tunnels (with `name`: of that name); checks that the sign-in works. */
async function listTunnels(cli: CloudflaredCli, name?: string): Promise<ListedTunnel[]> {
  const r = await cli.run(['tunnel', 'list', ...(name !== undefined ? ['--name', name] : []), '--output', 'json']);
  if (r.exitCode !== 0 && isMissingCert(`${r.stdout}\n${r.stderr}`)) {
    throw new EngawaError('STATE', 'The Cloudflare sign-in of this server is missing; sign in again by creating the server again.', { reason: 'no-sign-in' });
  }
  if (r.exitCode !== 0) throw failure('list the tunnels', r);
  const all = parseList(r);
  return name === undefined ? all.filter((x) => !x.deleted) : tunnelsNamed(all, name);
}

function tunnelsNamed(all: ListedTunnel[], name: string): ListedTunnel[] {
  return all.filter((x) => x.name === name && !x.deleted);
}

function parseList(r: TaskResult): ListedTunnel[] {
  try {
    return parseTunnelList(r.stdout);
  } catch {
    throw failure('list the tunnels', r);
  }
}

/** The credentials of an existing tunnel, from `tunnel token ID` (printed, never written into a file). */
async function fetchCredentials(cli: CloudflaredCli, id: string): Promise<string> {
  const r = await cli.run(['tunnel', 'token', id]);
  const credentials = r.exitCode === 0 ? credentialsFromToken(r.stdout, id) : undefined;
  if (credentials === undefined) throw failure('fetch the tunnel credentials', { ...r, stdout: '' }); // stdout may hold the token
  return credentials;
}

/** Writes the credentials of an existing tunnel next to cert.pem unless they are there (`tunnel token --cred-file`). */
async function ensureCredentials(cli: CloudflaredCli, id: string): Promise<void> {
  const r = await cli.run(['tunnel', 'token', '--credentials-file', credentialsFile(id), id]);
  if (r.exitCode !== 0 && !/already exists/.test(`${r.stdout}\n${r.stderr}`)) throw failure('fetch the tunnel credentials', r);
}

/** A cloudflared command failed: OFFLINE when Cloudflare was not reachable, else its last words. */
function failure(what: string, r: TaskResult): EngawaError {
  const lines = `${r.stderr}\n${r.stdout}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const last = lines.at(-1) ?? `exit code ${r.exitCode}`;
  if (/no such host|dial tcp|i\/o timeout|connection refused|network is unreachable|TLS handshake timeout/i.test(lines.join('\n'))) {
    return new EngawaError('OFFLINE', `cloudflared could not reach Cloudflare to ${what}; check this computer's internet connection and try again.`, {
      lastLines: lines.slice(-10),
    });
  }
  return new EngawaError('TASK_FAILED', `cloudflared could not ${what}: ${last.replace(/^\S+Z (INF|ERR|WRN) /, '')}`, {
    exitCode: r.exitCode,
    lastLines: lines.slice(-10),
  });
}

/** "10 minutes", "90 seconds": how long, in words. */
function duration(ms: number): string {
  const [n, unit] = ms >= 120_000 ? [Math.round(ms / 60_000), 'minute'] : [Math.max(1, Math.round(ms / 1000)), 'second'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

function progressOf(ctx: LoginContext): { onProgress?: ProgressSink } {
  return ctx.onProgress ? { onProgress: ctx.onProgress } : {};
}

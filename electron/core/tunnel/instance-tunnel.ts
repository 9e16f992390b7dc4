/**
 * What the instance manager calls for an instance's tunnel: check the choice before anything is
 * written, provision it during create, add the connector to the recipe, tear it down on destroy.
 * Tokens travel only between here and the SecretStore (TUNNEL_SECRETS).
 */
import { randomBytes } from 'node:crypto';
import { EngawaError } from '../util/errors';
import type { EngineApi } from '../engine/types';
import type { Plan } from '../plan/types';
import { asStep, type ProgressSink } from '../util/progress';
import type { Recipe } from '../stacks/types';
import { CloudflareApi, type CloudflareOptions } from './api';
import { withConnector } from './connector';
import { buildIngress, ingressHostnames } from './ingress';
import { provisionLogin, signIn, teardownLogin, type LoginContext } from './login';
import { withLoginConnector } from './login-connector';
import { preflight, provision, teardown, type ApiTunnel } from './provision';
import { parseConnectorToken } from './token';
import { TUNNEL_SECRETS, type TunnelInput, type TunnelProtocol, type TunnelRecord } from './types';

export interface TunnelOpContext {
  cloudflare?: CloudflareOptions;
  onProgress?: ProgressSink;
  /** the Docker engine, for the sign-in mode (its cloudflared commands run as containers) */
  engine?: () => Promise<EngineApi>;
  /** official image → local image (tests, mirrors), for the sign-in mode's cloudflared commands */
  images?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * Checks a tunnel choice against the plan (and, for `api`, against Cloudflare, changing nothing;
 * `login` has the user sign in, leaving only that sign-in behind). Returns the tunnel record to
 * store and the secrets to add, or null for `none`.
 */
export async function prepareTunnel(
  input: TunnelInput | undefined,
  plan: Plan,
  ctx: TunnelOpContext = {},
): Promise<{ tunnel: TunnelRecord; secrets: Record<string, string> } | null> {
  if (input === undefined || input === 'none') return null;
  const mode: unknown = typeof input === 'object' && input !== null ? input.mode : undefined;
  if (mode !== 'api' && mode !== 'token' && mode !== 'login') {
    throw new EngawaError(
      'INVALID_INPUT',
      'The tunnel must be "none", "api" (with a Cloudflare API token), "token" (with a tunnel token) or "login" (sign in with Cloudflare).',
      { tunnel: String(mode ?? input) },
    );
  }
  const protocol = checkProtocol(input.protocol);
  const publicHost = plan.web.publicHost;
  if (input.hostname !== undefined && input.hostname.trim().toLowerCase().replace(/\.+$/, '') !== publicHost) {
    throw new EngawaError(
      'INVALID_INPUT',
      `The public address of this server is ${publicHost} (it follows from the domain ${plan.domain}), not ${input.hostname}; leave out the host name or use ${publicHost}.`,
      { reason: 'hostname', hostname: input.hostname, publicHost },
    );
  }
  if (input.mode === 'token') {
    const { tunnelId } = parseConnectorToken(input.connectorToken);
    return { tunnel: { mode: 'token', protocol, publicHost, tunnelId }, secrets: { [TUNNEL_SECRETS.connector]: input.connectorToken.trim() } };
  }
  if (input.mode === 'login') {
    const tunnel = await signIn(
      {
        project: plan.project,
        instance: plan.instance,
        publicHost,
        hostnames: ingressHostnames(buildIngress(plan)),
        tunnelName: tunnelNameFor(plan),
        protocol,
        ...(input.timeoutMs !== undefined && { timeoutMs: input.timeoutMs }),
        ...(input.onLink && { onLink: input.onLink }),
      },
      await loginContext(ctx),
    );
    return { tunnel, secrets: {} };
  }
  if (input.apiToken.trim() === '') throw new EngawaError('INVALID_INPUT', 'The Cloudflare API token is empty.', { reason: 'token' });
  const step = 'Check the Cloudflare token and domain';
  const tunnel = await asStep(ctx.onProgress, step, () =>
    preflight(new CloudflareApi(input.apiToken.trim(), ctx.cloudflare), {
      zone: input.zone,
      hostnames: ingressHostnames(buildIngress(plan)),
      publicHost,
      tunnelName: tunnelNameFor(plan),
      protocol,
    }),
  );
  return { tunnel, secrets: { [TUNNEL_SECRETS.api]: input.apiToken.trim() } };
}

/**
 * Makes the tunnel exist as recorded (api mode; token mode has nothing to make) and returns the
 * instance's secrets with the connector token. `plan` is the instance's plan (its ingress);
 * `save` stores the tunnel record after each step.
 */
export async function provisionTunnel(
  tunnel: TunnelRecord,
  plan: Plan,
  secrets: Record<string, string>,
  save: (tunnel: TunnelRecord) => Promise<void>,
  ctx: TunnelOpContext = {},
): Promise<Record<string, string>> {
  if (tunnel.mode === 'token') return secrets;
  if (tunnel.mode === 'login') {
    let credentials: string | undefined;
    await provisionLogin(tunnel, { ...(await loginContext(ctx)), save, keepCredentials: async (c) => void (credentials = c) });
    return credentials === undefined ? secrets : { ...secrets, [TUNNEL_SECRETS.credentials]: credentials };
  }
  const { connectorToken } = await provision(tunnel, buildIngress(plan), {
    api: apiFor(secrets, ctx),
    save,
    ...(ctx.onProgress && { onProgress: ctx.onProgress }),
  });
  return { ...secrets, [TUNNEL_SECRETS.connector]: connectorToken };
}

/** Deletes the tunnel and our DNS records (api mode; sign-in mode names the records to delete); call it after the connector is removed. */
export async function teardownTunnel(
  tunnel: TunnelRecord,
  secrets: Record<string, string>,
  save: (tunnel: TunnelRecord) => Promise<void>,
  ctx: TunnelOpContext = {},
): Promise<void> {
  if (tunnel.mode === 'token') return; // the user's own tunnel: Engawa only ran its connector
  if (tunnel.mode === 'login') return teardownLogin(tunnel, { ...(await loginContext(ctx)), save });
  await teardown(tunnel, { api: apiFor(secrets, ctx), save, ...(ctx.onProgress && { onProgress: ctx.onProgress }) });
}

/**
 * The recipe an instance runs: with the connector when it has a tunnel. A sign-in connector reads
 * its credentials from the secret store, unless `secrets` (the instance's, when known) lack them: an
 * instance made by an earlier Engawa, whose connector reads them from cloudflared's home volume.
 */
export function recipeWithTunnel(recipe: Recipe, tunnel: TunnelRecord | null, secrets?: Record<string, string>): Recipe {
  if (tunnel === null) return recipe;
  if (tunnel.mode === 'login') {
    const fromVolume = secrets !== undefined && tunnel.tunnelId !== undefined && !Object.hasOwn(secrets, TUNNEL_SECRETS.credentials);
    return withLoginConnector(recipe, {
      protocol: tunnel.protocol,
      tunnelName: tunnel.name,
      ...(tunnel.tunnelId !== undefined && { tunnelId: tunnel.tunnelId }),
      ...(fromVolume && { credentials: 'volume' as const }),
    });
  }
  return withConnector(recipe, { protocol: tunnel.protocol });
}

/** https://<public host> once a tunnel exists, else null. */
export function publicUrlOf(tunnel: TunnelRecord | null): string | null {
  return tunnel === null ? null : `https://${tunnel.publicHost}`;
}

/** The API client for an api-mode instance, from its stored API token. */
export function apiFor(secrets: Record<string, string>, ctx: TunnelOpContext): CloudflareApi {
  const token = secrets[TUNNEL_SECRETS.api];
  if (token === undefined) {
    throw new EngawaError('SECRETS', 'The Cloudflare API token of this server is missing from its secrets (backups leave it out).', {
      secret: TUNNEL_SECRETS.api,
    });
  }
  return new CloudflareApi(token, ctx.cloudflare);
}

/** A stable tunnel name, unique to this instance: provisioning finds the tunnel by it. */
function tunnelNameFor(plan: Plan): string {
  return `engawa-${plan.instance}-${randomBytes(3).toString('hex')}`;
}

/** What the sign-in mode needs from the operation: the engine above all. */
async function loginContext(ctx: TunnelOpContext): Promise<LoginContext> {
  if (ctx.engine === undefined) throw new EngawaError('INTERNAL', 'Signing in with Cloudflare needs the Docker engine, and none was given.');
  return {
    engine: await ctx.engine(),
    images: ctx.images ?? {},
    ...(ctx.onProgress && { onProgress: ctx.onProgress }),
    ...(ctx.signal && { signal: ctx.signal }),
  };
}

function checkProtocol(p: TunnelProtocol | undefined): TunnelProtocol {
  if (p === undefined) return 'auto';
  if (p !== 'auto' && p !== 'http2') {
    throw new EngawaError('INVALID_INPUT', `The tunnel protocol must be "auto" or "http2", not "${String(p)}".`, { protocol: p });
  }
  return p;
}

export type { ApiTunnel };

/**
 * What the instance manager calls for an instance's tunnel: check the choice before anything is
 * written, provision it during create, add the connector to the recipe, tear it down on destroy.
 * Tokens travel only between here and the SecretStore (TUNNEL_SECRETS).
 */
import { randomBytes } from 'node:crypto';
import { EngawaError } from '../errors';
import type { Plan } from '../engine/types';
import type { ProgressSink } from '../progress';
import type { Recipe } from '../stacks/types';
import { CloudflareApi, type CloudflareOptions } from './api';
import { withConnector } from './connector';
import { buildIngress, ingressHostnames } from './ingress';
import { preflight, provision, teardown, type ApiTunnel } from './provision';
import { parseConnectorToken } from './token';
import { TUNNEL_SECRETS, type TunnelInput, type TunnelProtocol, type TunnelRecord } from './types';

export interface TunnelOpContext {
  cloudflare?: CloudflareOptions;
  onProgress?: ProgressSink;
}

/**
 * Checks a tunnel choice against the plan (and, for `api`, against Cloudflare, changing nothing).
 * Returns the tunnel record to store and the secrets to add, or null for `none`.
 */
export async function prepareTunnel(
  input: TunnelInput | undefined,
  plan: Plan,
  ctx: TunnelOpContext = {},
): Promise<{ tunnel: TunnelRecord; secrets: Record<string, string> } | null> {
  if (input === undefined || input === 'none') return null;
  const mode: unknown = typeof input === 'object' && input !== null ? input.mode : undefined;
  if (mode !== 'api' && mode !== 'token') {
    throw new EngawaError('INVALID_INPUT', 'The tunnel must be "none", "api" (with a Cloudflare API token) or "token" (with a tunnel token).', { tunnel: String(mode ?? input) });
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
  if (input.apiToken.trim() === '') throw new EngawaError('INVALID_INPUT', 'The Cloudflare API token is empty.', { reason: 'token' });
  const step = 'Check the Cloudflare token and domain';
  ctx.onProgress?.({ kind: 'step', step, state: 'start' });
  try {
    const tunnel = await preflight(new CloudflareApi(input.apiToken.trim(), ctx.cloudflare), {
      zone: input.zone,
      hostnames: ingressHostnames(buildIngress(plan)),
      publicHost,
      tunnelName: `engawa-${plan.instance}-${randomBytes(3).toString('hex')}`,
      protocol,
    });
    ctx.onProgress?.({ kind: 'step', step, state: 'done' });
    return { tunnel, secrets: { [TUNNEL_SECRETS.api]: input.apiToken.trim() } };
  } catch (e) {
    ctx.onProgress?.({ kind: 'step', step, state: 'failed' });
    throw e;
  }
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
  const { connectorToken } = await provision(tunnel, buildIngress(plan), {
    api: apiFor(secrets, ctx),
    save,
    ...(ctx.onProgress && { onProgress: ctx.onProgress }),
  });
  return { ...secrets, [TUNNEL_SECRETS.connector]: connectorToken };
}

/** Deletes the tunnel and our DNS records (api mode); call it after the connector is removed. */
export async function teardownTunnel(
  tunnel: TunnelRecord,
  secrets: Record<string, string>,
  save: (tunnel: TunnelRecord) => Promise<void>,
  ctx: TunnelOpContext = {},
): Promise<void> {
  if (tunnel.mode === 'token') return; // the user's own tunnel: Engawa only ran its connector
  await teardown(tunnel, { api: apiFor(secrets, ctx), save, ...(ctx.onProgress && { onProgress: ctx.onProgress }) });
}

/** The recipe an instance runs: with the connector when it has a tunnel. */
export function recipeWithTunnel(recipe: Recipe, tunnel: TunnelRecord | null): Recipe {
  return tunnel === null ? recipe : withConnector(recipe, { protocol: tunnel.protocol });
}

/** https://<public host> once a tunnel exists, else null. */
export function publicUrlOf(tunnel: TunnelRecord | null): string | null {
  return tunnel === null ? null : `https://${tunnel.publicHost}`;
}

/** The API client for an api-mode instance, from its stored API token. */
export function apiFor(secrets: Record<string, string>, ctx: TunnelOpContext): CloudflareApi {
  const token = secrets[TUNNEL_SECRETS.api];
  if (token === undefined) {
    throw new EngawaError('SECRETS', 'The Cloudflare API token of this server is missing from its secrets; restore them from a backup.', {
      secret: TUNNEL_SECRETS.api,
    });
  }
  return new CloudflareApi(token, ctx.cloudflare);
}

function checkProtocol(p: TunnelProtocol | undefined): TunnelProtocol {
  if (p === undefined) return 'auto';
  if (p !== 'auto' && p !== 'http2') {
    throw new EngawaError('INVALID_INPUT', `The tunnel protocol must be "auto" or "http2", not "${String(p)}".`, { protocol: p });
  }
  return p;
}

export type { ApiTunnel };

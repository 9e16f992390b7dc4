/**
 * The "existing tunnel token" path: the user created a tunnel in Cloudflare's dashboard and pastes
 * its connector token; Engawa runs the connector and says exactly which public hostnames and
 * service URLs to enter in the dashboard (it cannot set them without an API token).
 */
import { EngawaError } from '../util/errors';
import { tunnelTarget } from './provision';
import type { TunnelConfigJson } from './types';

/**
 * The account and tunnel a connector token belongs to. A token is base64 JSON
 * `{"a": account, "t": tunnel id, "s": secret}` (cloudflared `connection/connection.go`, TunnelToken).
 * Throws INVALID_INPUT (never quoting the token) when it is not one.
 */
export function parseConnectorToken(token: string): { accountId: string; tunnelId: string } {
  const bad = new EngawaError(
    'INVALID_INPUT',
    'This is not a Cloudflare Tunnel token. Copy the token from your tunnel\'s page in Cloudflare\'s dashboard (the long text after "--token", starting with "eyJ").',
    { reason: 'token' },
  );
  const text = token.trim();
  if (!/^[A-Za-z0-9+/_-]+=*$/.test(text)) throw bad;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
  } catch {
    throw bad;
  }
  const v = value as { a?: unknown; t?: unknown; s?: unknown };
  if (typeof v !== 'object' || v === null || typeof v.a !== 'string' || typeof v.t !== 'string' || typeof v.s !== 'string') throw bad;
  if (!/^[0-9a-f-]{36}$/i.test(v.t) || v.a === '' || v.s === '') throw bad;
  return { accountId: v.a, tunnelId: v.t.toLowerCase() };
}

/** One row to enter under the tunnel's "Public Hostname" tab. */
export interface DashboardRoute {
  hostname: string;
  path?: string;
  service: string;
}

/** The public hostnames to add in the dashboard, in order (the order matters: first match wins). */
export function dashboardRoutes(config: TunnelConfigJson): DashboardRoute[] {
  return config.ingress
    .filter((r) => r.hostname !== undefined)
    .map((r) => ({ hostname: r.hostname as string, ...(r.path !== undefined && { path: r.path }), service: r.service }));
}

/** Plain instructions for the dashboard, one line per item. */
export function dashboardInstructions(config: TunnelConfigJson, tunnelId: string): string[] {
  const lines = ["In Cloudflare's dashboard, open Zero Trust → Networks → Tunnels → your tunnel → Public Hostname, and add, in this order:"];
  for (const r of dashboardRoutes(config)) {
    lines.push(`  ${r.hostname}${r.path !== undefined ? `  path ${r.path}` : ''}  →  service ${r.service}`);
  }
  const wildcards = dashboardRoutes(config).filter((r) => r.hostname.startsWith('*.'));
  for (const w of wildcards) {
    lines.push(`For ${w.hostname}, also add a DNS record yourself: type CNAME, name ${w.hostname}, target ${tunnelTarget(tunnelId)}, proxied.`);
  }
  lines.push('Leave "HTTP Host Header" empty: your server needs the original host name.');
  return lines;
}

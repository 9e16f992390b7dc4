/**
 * Checks a pasted Cloudflare API token before anything is created, changing nothing at Cloudflare:
 * the token is active, which domains (zones) it can see and whether each is active or still
 * pending (with the name servers to set), and which of the three permissions it lacks. A missing
 * permission shows as a 403 on a read of the kind it governs (zones, the account's tunnels, a
 * zone's DNS records); the token itself is never part of an answer or an error.
 */
import { isEngawaError } from '../util/errors';
import type { CloudflareApi } from './api';
import { PERMISSIONS, type Permission } from './api-errors';

/** A zone as the wizard lists it. */
export interface ZoneSummary {
  name: string;
  status: string;
  nameServers: string[];
}

/** The result of `verifyApiToken`. */
export interface TokenCheck {
  zones: ZoneSummary[];
  missing: { permission: Permission; label: string }[];
}

/** A tunnel name no one uses: looking it up only proves that tunnels can be read. */
const PROBE_TUNNEL_NAME = 'engawa-permission-check';

/**
 * Verifies the token (INVALID_INPUT when Cloudflare does not accept it; OFFLINE when Cloudflare
 * cannot be reached), lists its zones and names the permissions it lacks.
 */
export async function verifyApiToken(api: CloudflareApi): Promise<TokenCheck> {
  await api.verifyToken();
  const missing = new Set<Permission>();
  const zones = (await lacking(api.listZones(), 'zone', missing)) ?? [];
  const accountId = zones[0]?.account.id ?? (await lacking(api.listAccounts(), 'zone', missing))?.[0]?.id;
  if (accountId !== undefined) await lacking(api.findTunnel(accountId, PROBE_TUNNEL_NAME), 'tunnel', missing);
  const zone = zones[0];
  if (zone !== undefined) await lacking(api.listDnsRecords(zone.id, zone.name), 'dns', missing);
  return {
    zones: zones.map((z) => ({ name: z.name, status: z.status, nameServers: [...z.name_servers] })),
    missing: (['tunnel', 'dns', 'zone'] as const).filter((p) => missing.has(p)).map((permission) => ({ permission, label: PERMISSIONS[permission] })),
  };
}

/** The call's value, or undefined (noting `permission`) when Cloudflare refused it for lack of a permission. */
async function lacking<T>(call: Promise<T>, permission: Permission, missing: Set<Permission>): Promise<T | undefined> {
  try {
    return await call;
  } catch (e) {
    if (isEngawaError(e, 'INVALID_INPUT') && (e.details as { reason?: unknown } | undefined)?.reason === 'permission') {
      missing.add(permission);
      return undefined;
    }
    throw e;
  }
}

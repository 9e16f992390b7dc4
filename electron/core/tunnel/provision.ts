/**
 * Provisioning a Cloudflare Tunnel through the API, idempotent and resumable:
 *   preflight (no change at all): token works, zone active, names inside it, no foreign DNS record;
 *   provision: find-or-create the tunnel by its stable name → set the ingress (only if it differs)
 *              → upsert our proxied CNAMEs (tagged in `comment`) → fetch the connector token;
 *   teardown:  (the caller removes the connector first) → drop connections → delete the tunnel →
 *              delete only the DNS records we created.
 * Each step records its progress through `save`, so a failure mid-way is resumed by running again.
 */
import { EngawaError, isEngawaError } from '../util/errors';
import { asStep, type ProgressSink } from '../util/progress';
import type { CloudflareApi } from './api';
import { PERMISSIONS } from './api-errors';
import { canonicalJson } from '../util/canonical-json';
import type { CfDnsRecord, CfZone, DnsRecordInput, TunnelConfigJson, TunnelProtocol, TunnelRecord } from './types';

/** The api-mode tunnel record. */
export type ApiTunnel = Extract<TunnelRecord, { mode: 'api' }>;

export interface ProvisionContext {
  api: CloudflareApi;
  /** stores the updated tunnel record (in the instance record) after each step */
  save: (tunnel: ApiTunnel) => Promise<void>;
  onProgress?: ProgressSink;
}

/** The DNS comment that marks a record as created by Engawa for this tunnel. */
export function ownerTag(tunnelName: string): string {
  return `managed by Engawa (tunnel ${tunnelName})`;
}

/** Where a proxied CNAME for the tunnel points. */
export function tunnelTarget(tunnelId: string): string {
  return `${tunnelId}.cfargotunnel.com`;
}

/** Record types a CNAME cannot live beside. */
const CONFLICTING = new Set(['A', 'AAAA', 'CNAME']);

/**
 * Checks everything that can be checked without changing anything, naming the first problem:
 * the token, the zone (exists, active), every hostname (inside the zone, at most one level below it
 * so the free certificate covers it), the tunnel permission, and that no hostname has a DNS record
 * Engawa did not create. Returns the tunnel record to start provisioning from.
 */
export async function preflight(
  api: CloudflareApi,
  input: { zone: string; hostnames: string[]; publicHost: string; tunnelName: string; protocol: TunnelProtocol },
): Promise<ApiTunnel> {
  await api.verifyToken();
  const zone = await activeZone(api, input.zone);
  for (const host of input.hostnames) checkInZone(zone.name, host);
  await api.findTunnel(zone.account.id, input.tunnelName);
  const tag = ownerTag(input.tunnelName);
  for (const host of input.hostnames) {
    const foreign = (await api.listDnsRecords(zone.id, host)).find((r) => CONFLICTING.has(r.type) && r.comment !== tag);
    if (foreign) throw foreignRecord(host, foreign);
  }
  return {
    mode: 'api',
    protocol: input.protocol,
    publicHost: input.publicHost,
    name: input.tunnelName,
    zone: { id: zone.id, name: zone.name },
    accountId: zone.account.id,
    hostnames: [...input.hostnames],
    dnsRecords: [],
  };
}

/** Creates or completes the tunnel; returns the connector token (a secret: store it, never log it). */
export async function provision(t: ApiTunnel, config: TunnelConfigJson, ctx: ProvisionContext): Promise<{ tunnel: ApiTunnel; connectorToken: string }> {
  let tunnel = t;
  const update = async (next: ApiTunnel): Promise<void> => {
    tunnel = next;
    await ctx.save(next);
  };

  const tunnelId = await asStep(ctx.onProgress, 'Create the Cloudflare tunnel', async () => {
    const found = await ctx.api.findTunnel(tunnel.accountId, tunnel.name);
    const id = found?.id ?? (await ctx.api.createTunnel(tunnel.accountId, tunnel.name)).id;
    if (tunnel.tunnelId !== id) await update({ ...tunnel, tunnelId: id });
    return id;
  });

  await asStep(ctx.onProgress, 'Set the tunnel routes', async () => {
    const current = await ctx.api.getConfig(tunnel.accountId, tunnelId);
    if (current === null || canonicalJson(current.ingress) !== canonicalJson(config.ingress)) {
      await ctx.api.putConfig(tunnel.accountId, tunnelId, config);
    }
  });

  const tag = ownerTag(tunnel.name);
  for (const host of tunnel.hostnames) {
    await asStep(ctx.onProgress, `Point ${host} to the tunnel`, async () => {
      const wanted: DnsRecordInput = { type: 'CNAME', name: host, content: tunnelTarget(tunnelId), proxied: true, ttl: 1, comment: tag };
      const records = await ctx.api.listDnsRecords(tunnel.zone.id, host);
      const ours = records.find((r) => tunnel.dnsRecords.some((d) => d.id === r.id) || r.comment === tag);
      const foreign = records.find((r) => r !== ours && CONFLICTING.has(r.type));
      if (foreign) throw foreignRecord(host, foreign);
      let id = ours?.id;
      if (ours === undefined) id = (await ctx.api.createDnsRecord(tunnel.zone.id, wanted)).id;
      else if (!sameRecord(ours, wanted)) await ctx.api.updateDnsRecord(tunnel.zone.id, ours.id, wanted);
      if (!tunnel.dnsRecords.some((d) => d.id === id)) await update({ ...tunnel, dnsRecords: [...tunnel.dnsRecords, { id: id as string, name: host }] });
    });
  }

  const connectorToken = await asStep(ctx.onProgress, 'Fetch the connector token', () => ctx.api.getConnectorToken(tunnel.accountId, tunnelId));
  return { tunnel, connectorToken };
}

/**
 * Removes what provisioning made (call it after removing the connector container): drops the
 * tunnel's connections, deletes it, then deletes only our DNS records. Already-gone objects are fine.
 */
export async function teardown(t: ApiTunnel, ctx: ProvisionContext): Promise<void> {
  let tunnel = t;
  await asStep(ctx.onProgress, 'Delete the Cloudflare tunnel', async () => {
    const id = tunnel.tunnelId ?? (await ctx.api.findTunnel(tunnel.accountId, tunnel.name))?.id;
    if (id !== undefined) {
      await ignoreMissing(ctx.api.deleteConnections(tunnel.accountId, id));
      await ignoreMissing(ctx.api.deleteTunnel(tunnel.accountId, id));
    }
    const { tunnelId: _gone, ...rest } = tunnel;
    tunnel = rest;
    await ctx.save(tunnel);
  });
  await asStep(ctx.onProgress, 'Delete the DNS records Engawa made', async () => {
    const tag = ownerTag(tunnel.name);
    // records created just before an interruption carry our tag but may be missing from the list
    for (const host of tunnel.hostnames) {
      for (const r of await ctx.api.listDnsRecords(tunnel.zone.id, host)) {
        if (r.comment === tag && !tunnel.dnsRecords.some((d) => d.id === r.id))
          tunnel = { ...tunnel, dnsRecords: [...tunnel.dnsRecords, { id: r.id, name: host }] };
      }
    }
    for (const record of tunnel.dnsRecords) {
      await ignoreMissing(ctx.api.deleteDnsRecord(tunnel.zone.id, record.id));
      tunnel = { ...tunnel, dnsRecords: tunnel.dnsRecords.filter((d) => d.id !== record.id) };
      await ctx.save(tunnel);
    }
  });
}

async function activeZone(api: CloudflareApi, name: string): Promise<CfZone> {
  const wanted = name.trim().toLowerCase().replace(/\.+$/, '');
  const zones = await api.listZones(wanted);
  const zone = zones.find((z) => z.name === wanted);
  if (zone === undefined) {
    throw new EngawaError(
      'NOT_FOUND',
      `Cloudflare has no domain "${wanted}" that this token can see; add the domain to Cloudflare first, or give the token access to it.`,
      { reason: 'zone-missing', zone: wanted, permission: PERMISSIONS.zone },
    );
  }
  if (zone.status !== 'active') {
    const ns = zone.name_servers.join(' and ');
    throw new EngawaError(
      'STATE',
      zone.status === 'pending' && ns
        ? `Cloudflare is still waiting for ${wanted} to move to it: at your domain's registrar, set the name servers to ${ns}, then try again (it can take a few hours).`
        : `The domain ${wanted} is "${zone.status}" at Cloudflare, not active; open it in Cloudflare's dashboard to see why.`,
      { reason: 'zone-pending', zone: wanted, status: zone.status, nameServers: zone.name_servers },
    );
  }
  return zone;
}

/** INVALID_INPUT unless `host` is the zone or one level below it (what Universal SSL covers). */
export function checkInZone(zone: string, host: string): void {
  const bare = host.startsWith('*.') ? host.slice(2) : host;
  const levels = bare === zone ? 0 : bare.endsWith(`.${zone}`) ? bare.slice(0, -(zone.length + 1)).split('.').length : undefined;
  if (levels === undefined) {
    throw new EngawaError('INVALID_INPUT', `${host} is not part of your Cloudflare domain ${zone}; choose a domain inside ${zone}.`, {
      reason: 'outside-zone',
      zone,
      host,
    });
  }
  if (levels + (host.startsWith('*.') ? 1 : 0) > 1) {
    throw new EngawaError(
      'INVALID_INPUT',
      `${host} is too deep inside ${zone}: Cloudflare's free certificate covers only ${zone} and names one level below it (such as social.${zone}).`,
      { reason: 'too-deep', zone, host },
    );
  }
}

function foreignRecord(host: string, r: CfDnsRecord): EngawaError {
  return new EngawaError(
    'NAME_TAKEN',
    `${host} already has a DNS record Engawa did not create (${r.type} → ${r.content}); Engawa will not replace it. Delete it in Cloudflare's dashboard, or choose another domain.`,
    { reason: 'foreign-record', host, record: { id: r.id, type: r.type, content: r.content } },
  );
}

function sameRecord(r: CfDnsRecord, w: DnsRecordInput): boolean {
  return r.type === w.type && r.content === w.content && r.proxied === w.proxied && r.comment === w.comment;
}

async function ignoreMissing(p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!isEngawaError(e, 'NOT_FOUND')) throw e;
  }
}

/**
 * A small typed client for the part of Cloudflare's API v4 Engawa uses (token check, zones,
 * accounts, tunnels and their ingress and connector token, DNS records), over the global `fetch`.
 * Chosen over the official SDK by measurement (see the tunnel commit). Every failure is an
 * EngawaError with advice (api-errors.ts); the token never appears in a message or a log.
 */
import { EngawaError } from '../util/errors';
import { httpError, notApiError, offlineError, retryAfterSeconds, type CallContext, type Permission } from './api-errors';
import type { CfAccount, CfDnsRecord, CfEnvelope, CfTunnel, CfZone, DnsRecordInput, TunnelConfigJson } from './types';

export const DEFAULT_API_URL = 'https://api.cloudflare.com/client/v4';

/** How to reach the API; all optional. */
export interface CloudflareOptions {
  /** API base URL (ENGAWA_CLOUDFLARE_API_URL: tests, corporate proxies); default Cloudflare's */
  apiUrl?: string;
  fetch?: typeof fetch;
  /** per request, default 30 s */
  timeoutMs?: number;
  /** how many times a 429 is retried after its Retry-After (at most 60 s each), default 2 */
  retries?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** The options from an environment: ENGAWA_CLOUDFLARE_API_URL. */
export function cloudflareOptionsFromEnv(env: Record<string, string | undefined>): CloudflareOptions {
  const apiUrl = env.ENGAWA_CLOUDFLARE_API_URL;
  if (!apiUrl) return {};
  assertSafeApiUrl(apiUrl);
  return { apiUrl };
}

/**
 * The API token travels to this address: it must be https, except on this computer's loopback
 * (the tests' fake API). Anything else is refused before a request is made.
 */
export function assertSafeApiUrl(apiUrl: string): void {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new EngawaError('INVALID_INPUT', `ENGAWA_CLOUDFLARE_API_URL is not an address: ${apiUrl}`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) return;
  throw new EngawaError('INVALID_INPUT', `ENGAWA_CLOUDFLARE_API_URL must be an https address (plain http only to this computer): ${url.origin}`);
}

const PER_PAGE = 50;
const MAX_RETRY_WAIT_S = 60;

interface Request {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

/** The client for one API token. */
export class CloudflareApi {
  private readonly base: URL;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly token: string,
    opts: CloudflareOptions = {},
  ) {
    const base = opts.apiUrl ?? DEFAULT_API_URL;
    try {
      this.base = new URL(base.endsWith('/') ? base : `${base}/`);
    } catch {
      throw new EngawaError('INVALID_INPUT', `The Cloudflare API address "${base}" is not a URL.`, { apiUrl: base });
    }
    this.fetchFn = opts.fetch ?? fetch;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.retries = opts.retries ?? 2;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** The token's own status; INVALID_INPUT when it is not active. */
  async verifyToken(): Promise<{ id: string; status: string }> {
    const r = await this.call<{ id: string; status: string }>(
      { method: 'GET', path: 'user/tokens/verify' },
      { what: 'check the API token', permission: 'zone' },
    );
    if (r.status !== 'active') {
      throw new EngawaError('INVALID_INPUT', `The Cloudflare API token is ${r.status}, not active. Create a new token and paste it again.`, {
        reason: 'token',
        status: r.status,
      });
    }
    return r;
  }

  /** Every zone the token can read, or those named `name`. */
  listZones(name?: string): Promise<CfZone[]> {
    return this.all<CfZone>('zones', name ? { name } : {}, { what: 'list your domains', permission: 'zone' });
  }

  listAccounts(): Promise<CfAccount[]> {
    return this.all<CfAccount>('accounts', {}, { what: 'list your accounts', permission: 'zone' });
  }

  /** The (not deleted) tunnel called exactly `name`, if any. */
  async findTunnel(accountId: string, name: string): Promise<CfTunnel | undefined> {
    const tunnels = await this.call<CfTunnel[]>(
      { method: 'GET', path: `accounts/${enc(accountId)}/cfd_tunnel`, query: { name, is_deleted: 'false' } },
      tunnelCall('look for the tunnel'),
    );
    return tunnels.find((t) => t.name === name && !t.deleted_at);
  }

  getTunnel(accountId: string, tunnelId: string): Promise<CfTunnel> {
    return this.call({ method: 'GET', path: tunnelPath(accountId, tunnelId) }, tunnelCall("read the tunnel's status"));
  }

  /** Creates a remotely managed tunnel (its ingress is set through the API). */
  createTunnel(accountId: string, name: string): Promise<CfTunnel> {
    return this.call(
      { method: 'POST', path: `accounts/${enc(accountId)}/cfd_tunnel`, body: { name, config_src: 'cloudflare' } },
      tunnelCall('create the tunnel'),
    );
  }

  /** The tunnel's current ingress configuration (null before the first PUT). */
  async getConfig(accountId: string, tunnelId: string): Promise<TunnelConfigJson | null> {
    const r = await this.call<{ config: TunnelConfigJson | null } | null>(
      { method: 'GET', path: `${tunnelPath(accountId, tunnelId)}/configurations` },
      tunnelCall("read the tunnel's routes"),
    );
    return r?.config ?? null;
  }

  async putConfig(accountId: string, tunnelId: string, config: TunnelConfigJson): Promise<void> {
    await this.call({ method: 'PUT', path: `${tunnelPath(accountId, tunnelId)}/configurations`, body: { config } }, tunnelCall("set the tunnel's routes"));
  }

  /** The token cloudflared runs with. Secret: keep it in the SecretStore only. */
  getConnectorToken(accountId: string, tunnelId: string): Promise<string> {
    return this.call({ method: 'GET', path: `${tunnelPath(accountId, tunnelId)}/token` }, tunnelCall("fetch the tunnel's connector token"));
  }

  /** Drops every connector still attached (needed before the tunnel can be deleted). */
  async deleteConnections(accountId: string, tunnelId: string): Promise<void> {
    await this.call({ method: 'DELETE', path: `${tunnelPath(accountId, tunnelId)}/connections` }, tunnelCall('disconnect the tunnel'));
  }

  async deleteTunnel(accountId: string, tunnelId: string): Promise<void> {
    await this.call({ method: 'DELETE', path: tunnelPath(accountId, tunnelId), query: { cascade: 'true' } }, tunnelCall('delete the tunnel'));
  }

  /** Every record called exactly `name` (any type). */
  listDnsRecords(zoneId: string, name: string): Promise<CfDnsRecord[]> {
    return this.all<CfDnsRecord>(`zones/${enc(zoneId)}/dns_records`, { name }, dnsCall('read your DNS records'));
  }

  createDnsRecord(zoneId: string, record: DnsRecordInput): Promise<CfDnsRecord> {
    return this.call({ method: 'POST', path: `zones/${enc(zoneId)}/dns_records`, body: record }, dnsCall(`create the DNS record ${record.name}`));
  }

  updateDnsRecord(zoneId: string, id: string, record: DnsRecordInput): Promise<CfDnsRecord> {
    return this.call({ method: 'PATCH', path: `zones/${enc(zoneId)}/dns_records/${enc(id)}`, body: record }, dnsCall(`update the DNS record ${record.name}`));
  }

  async deleteDnsRecord(zoneId: string, id: string): Promise<void> {
    await this.call({ method: 'DELETE', path: `zones/${enc(zoneId)}/dns_records/${enc(id)}` }, dnsCall('delete a DNS record'));
  }

  /** Every page of a list. */
  private async all<T>(path: string, query: Record<string, string>, call: CallContext): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; ; page++) {
      const r = await this.envelope<T[]>({ method: 'GET', path, query: { ...query, page: String(page), per_page: String(PER_PAGE) } }, call);
      out.push(...r.result);
      const info = r.result_info;
      const pages = info?.total_pages ?? (info ? Math.ceil(info.total_count / Math.max(1, info.per_page)) : 1);
      if (page >= pages || r.result.length === 0) return out;
    }
  }

  private async call<T>(req: Request, call: CallContext): Promise<T> {
    return (await this.envelope<T>(req, call)).result;
  }

  private async envelope<T>(req: Request, call: CallContext): Promise<CfEnvelope<T>> {
    const url = new URL(req.path, this.base);
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await this.fetchFn(url, {
          method: req.method,
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: 'application/json',
            ...(req.body !== undefined && { 'content-type': 'application/json' }),
          },
          ...(req.body !== undefined && { body: JSON.stringify(req.body) }),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (e) {
        const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
        throw offlineError(url.host, call, timedOut, e);
      }
      const body = await readEnvelope<T>(res, url.host, call);
      if (res.ok && body?.success === true) return body;
      if (body === undefined && (res.ok || res.status === 400)) throw notApiError(url.host, res.status, call);
      const retryAfter = retryAfterSeconds(res.headers.get('retry-after'));
      if (res.status === 429 && attempt < this.retries && (retryAfter ?? 1) <= MAX_RETRY_WAIT_S) {
        await this.sleep((retryAfter ?? 1) * 1000);
        continue;
      }
      throw httpError(res.ok ? 400 : res.status, body?.errors ?? [], call, retryAfter);
    }
  }
}

/** The JSON envelope of an answer; undefined when the body is not one (e.g. a proxy's HTML page). */
async function readEnvelope<T>(res: Response, host: string, call: CallContext): Promise<CfEnvelope<T> | undefined> {
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    throw offlineError(host, call, false, e);
  }
  try {
    const v = JSON.parse(text) as CfEnvelope<T>;
    return typeof v === 'object' && v !== null && typeof v.success === 'boolean' ? { ...v, errors: Array.isArray(v.errors) ? v.errors : [] } : undefined;
  } catch {
    return undefined;
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function tunnelPath(accountId: string, tunnelId: string): string {
  return `accounts/${enc(accountId)}/cfd_tunnel/${enc(tunnelId)}`;
}

function tunnelCall(what: string): CallContext {
  return { what, permission: 'tunnel' satisfies Permission };
}

function dnsCall(what: string): CallContext {
  return { what, permission: 'dns' };
}

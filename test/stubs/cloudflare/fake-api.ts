/**
 * A local fake of the part of Cloudflare's API v4 Engawa calls, on 127.0.0.1, for tests. It answers
 * with the real envelopes (`{success, errors, messages, result, result_info}`) and is strict:
 * every request needs a known bearer token with the permission the endpoint needs (401 / 403 like
 * Cloudflare), unknown query parameters and body fields are refused (400), and ingress is checked
 * the way cloudflared checks it (catch-all last and only last, wildcards, services without paths).
 * Faults can be injected per request: any status (429 with Retry-After, 5xx), or a hang (timeout).
 *
 * Its ingress validation is written independently of Engawa's own code on purpose.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

export type FakePermission = 'tunnel' | 'dns' | 'zone';

export interface FakeZone {
  id: string;
  name: string;
  status: 'active' | 'pending';
  name_servers: string[];
  account: { id: string; name: string };
}

export interface FakeDnsRecord {
  id: string;
  zone_id: string;
  type: string;
  name: string;
  content: string;
  proxied: boolean;
  ttl: number;
  comment: string | null;
}

export interface FakeIngressRule {
  hostname?: string;
  path?: string;
  service: string;
  originRequest?: Record<string, unknown>;
}

export interface FakeTunnel {
  id: string;
  account_id: string;
  name: string;
  status: 'inactive' | 'healthy' | 'degraded' | 'down';
  remote_config: boolean;
  deleted_at: string | null;
  connections: { colo_name: string; client_version: string; is_pending_reconnect: boolean }[];
  config: { ingress: FakeIngressRule[] } | null;
  version: number;
  secret: string;
}

export interface Fault {
  method?: string;
  /** matched against the path below the API base, e.g. /cfd_tunnel$/ */
  path: RegExp;
  /** answer with this status (and a Cloudflare-style error) … */
  status?: number;
  retryAfter?: string;
  /** … or never answer (the client's timeout fires) */
  hang?: boolean;
  /** how many requests it affects (default 1) */
  times?: number;
  /** lets this many matching requests through first (default 0) */
  skip?: number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
}

const BASE = '/client/v4';
const NAME_SERVERS = ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'];

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export class FakeCloudflare {
  readonly account = { id: randomBytes(16).toString('hex'), name: 'Test account' };
  readonly zones: FakeZone[] = [];
  readonly tunnels: FakeTunnel[] = [];
  readonly dns: FakeDnsRecord[] = [];
  readonly requests: LoggedRequest[] = [];
  private readonly tokens = new Map<string, { permissions: Set<FakePermission>; status: string }>();
  private readonly faults: Fault[] = [];
  private readonly sockets = new Set<Socket>();
  private server?: http.Server;
  /** the API base URL to give Engawa (ENGAWA_CLOUDFLARE_API_URL) */
  url = '';

  /** Starts the fake on 127.0.0.1, on `opts.port` (default: any free port). */
  static async start(opts: { port?: number } = {}): Promise<FakeCloudflare> {
    const fake = new FakeCloudflare();
    const server = http.createServer((req, res) => {
      fake.handle(req, res).catch((e: unknown) => {
        // a bug in the fake itself (handle answers every ApiError): answer, so the client under
        // test does not wait for its timeout, and throw on, so the test run fails as it should
        if (res.headersSent) res.destroy();
        else res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify(failure(10001, 'Internal error (a bug in the fake)')));
        process.nextTick(() => {
          throw e;
        });
      });
    });
    server.on('connection', (s) => {
      fake.sockets.add(s);
      s.on('close', () => fake.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', resolve);
    });
    fake.server = server;
    fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${BASE}`;
    return fake;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A token the fake accepts, with these permissions (default all three). */
  addToken(permissions: FakePermission[] = ['tunnel', 'dns', 'zone'], status = 'active'): string {
    const token = randomBytes(30).toString('base64url');
    this.tokens.set(token, { permissions: new Set(permissions), status });
    return token;
  }

  addZone(name: string, status: FakeZone['status'] = 'active'): FakeZone {
    const zone = { id: randomBytes(16).toString('hex'), name, status, name_servers: NAME_SERVERS, account: this.account };
    this.zones.push(zone);
    return zone;
  }

  /** A record someone else made (no Engawa tag). */
  addDnsRecord(zoneName: string, r: { type: string; name: string; content: string; comment?: string }): FakeDnsRecord {
    const zone = this.zones.find((z) => z.name === zoneName);
    if (!zone) throw new Error(`no zone ${zoneName}`);
    const rec = { id: randomBytes(16).toString('hex'), zone_id: zone.id, proxied: false, ttl: 1, comment: r.comment ?? null, ...r };
    this.dns.push(rec);
    return rec;
  }

  inject(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Pretends `n` connectors are attached (status healthy). */
  connect(tunnelId: string, n = 4): void {
    const t = this.tunnel(tunnelId);
    t.connections = Array.from({ length: n }, (_, i) => ({ colo_name: `nrt0${i}`, client_version: '2026.8.2', is_pending_reconnect: false }));
    t.status = n > 0 ? 'healthy' : 'inactive';
  }

  /** Requests that changed something (not GET), that succeeded. */
  changes(): LoggedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET' && r.status < 300);
  }

  liveTunnels(): FakeTunnel[] {
    return this.tunnels.filter((t) => t.deleted_at === null);
  }

  private tunnel(id: string): FakeTunnel {
    const t = this.tunnels.find((x) => x.id === id && x.deleted_at === null);
    if (!t) throw new ApiError(404, 1003, 'Tunnel not found');
    return t;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.startsWith(BASE) ? url.pathname.slice(BASE.length) : url.pathname;
    const query = Object.fromEntries(url.searchParams);
    const text = await new Promise<string>((resolve) => {
      let s = '';
      req.on('data', (c: Buffer) => (s += c.toString('utf8')));
      req.on('end', () => resolve(s));
    });
    const log: LoggedRequest = { method: req.method ?? 'GET', path, query, body: undefined, status: 0 };
    this.requests.push(log);
    const send = (status: number, envelope: unknown, headers: Record<string, string> = {}): void => {
      log.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(envelope));
    };
    const fault = this.faults.find((f) => (f.method === undefined || f.method === req.method) && f.path.test(path) && (f.times ?? 1) > 0);
    if (fault && (fault.skip ?? 0) > 0) fault.skip = (fault.skip ?? 0) - 1;
    else if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.hang) return; // never answers
      const status = fault.status ?? 500;
      send(status, failure(status === 429 ? 971 : 10001, status === 429 ? 'Please wait and consider throttling your request speed' : 'Internal error'), {
        ...(fault.retryAfter !== undefined && { 'retry-after': fault.retryAfter }),
      });
      return;
    }
    try {
      const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const token = auth === undefined ? undefined : this.tokens.get(auth);
      if (token === undefined) throw new ApiError(401, 1000, 'Invalid API Token');
      let body: unknown;
      if (text !== '') {
        if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new ApiError(400, 6003, 'Invalid request headers');
        try {
          body = JSON.parse(text);
        } catch {
          throw new ApiError(400, 6007, 'Malformed JSON in request body');
        }
      }
      log.body = body;
      const { result, info } = this.route(req.method ?? 'GET', path, query, body, token);
      send(200, { success: true, errors: [], messages: [], result, ...(info && { result_info: info }) });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      send(e.status, failure(e.code, e.message));
    }
  }

  private route(
    method: string,
    path: string,
    query: Record<string, string>,
    body: unknown,
    token: { permissions: Set<FakePermission>; status: string },
  ): { result: unknown; info?: Record<string, number> } {
    const need = (p: FakePermission): void => {
      if (!token.permissions.has(p)) throw new ApiError(403, 10000, 'Authentication error');
    };
    const seg = path.split('/').filter(Boolean);
    const m = (pattern: string): boolean => {
      const parts = pattern.split('/').filter(Boolean);
      return parts.length === seg.length && parts.every((p, i) => p.startsWith(':') || p === seg[i]);
    };

    if (method === 'GET' && m('/user/tokens/verify')) {
      onlyQuery(query, []);
      return { result: { id: randomBytes(16).toString('hex'), status: token.status } };
    }
    if (method === 'GET' && m('/zones')) {
      need('zone');
      onlyQuery(query, ['name', 'status', 'page', 'per_page']);
      const list = this.zones.filter((z) => (query.name === undefined || z.name === query.name) && (query.status === undefined || z.status === query.status));
      return page(list, query);
    }
    if (method === 'GET' && m('/accounts')) {
      onlyQuery(query, ['page', 'per_page']);
      return page([this.account], query);
    }
    if (seg[0] === 'accounts' && seg[2] === 'cfd_tunnel') {
      need('tunnel');
      if (seg[1] !== this.account.id) throw new ApiError(404, 7003, 'Could not route to /accounts, perhaps your object identifier is invalid?');
      return this.tunnelRoute(method, seg.slice(3), query, body);
    }
    if (seg[0] === 'zones' && seg[2] === 'dns_records') {
      need('dns');
      const zone = this.zones.find((z) => z.id === seg[1]);
      if (!zone) throw new ApiError(404, 7003, 'Could not route to /zones, perhaps your object identifier is invalid?');
      return this.dnsRoute(method, zone, seg.slice(3), query, body);
    }
    throw new ApiError(404, 7000, 'No route for that URI');
  }

  private tunnelRoute(method: string, rest: string[], query: Record<string, string>, body: unknown): { result: unknown; info?: Record<string, number> } {
    if (rest.length === 0 && method === 'GET') {
      onlyQuery(query, ['name', 'is_deleted', 'page', 'per_page']);
      const list = this.tunnels.filter((t) => (query.name === undefined || t.name === query.name) && (query.is_deleted !== 'false' || t.deleted_at === null));
      return page(list.map(publicTunnel), query);
    }
    if (rest.length === 0 && method === 'POST') {
      onlyQuery(query, []);
      const b = fields(body, ['name', 'config_src', 'tunnel_secret'], ['name']);
      if (typeof b.name !== 'string' || b.name === '') throw new ApiError(400, 1001, 'name is required');
      if (b.config_src !== undefined && b.config_src !== 'cloudflare' && b.config_src !== 'local') throw new ApiError(400, 1001, 'invalid config_src');
      if (this.liveTunnels().some((t) => t.name === b.name)) throw new ApiError(409, 1013, 'You already have a tunnel with this name');
      const t: FakeTunnel = {
        id: randomUUID(),
        account_id: this.account.id,
        name: b.name,
        status: 'inactive',
        remote_config: b.config_src === 'cloudflare',
        deleted_at: null,
        connections: [],
        config: null,
        version: 0,
        secret: randomBytes(32).toString('base64'),
      };
      this.tunnels.push(t);
      return { result: publicTunnel(t) };
    }
    const t = this.tunnel(rest[0] as string);
    const sub = rest[1];
    if (rest.length === 1 && method === 'GET') return { result: publicTunnel(t) };
    if (rest.length === 1 && method === 'DELETE') {
      onlyQuery(query, ['cascade']);
      if (t.connections.length > 0) throw new ApiError(400, 1022, 'Cannot delete a tunnel with active connections');
      t.deleted_at = new Date().toISOString();
      return { result: publicTunnel(t) };
    }
    if (sub === 'configurations' && method === 'GET') {
      return { result: { tunnel_id: t.id, version: t.version, config: t.config, source: 'cloudflare' } };
    }
    if (sub === 'configurations' && method === 'PUT') {
      const b = fields(body, ['config'], ['config']);
      const config = fields(b.config, ['ingress', 'originRequest', 'warp-routing'], ['ingress']);
      checkIngress(config.ingress);
      t.config = { ingress: config.ingress as FakeIngressRule[] };
      t.version++;
      return { result: { tunnel_id: t.id, version: t.version, config: t.config, source: 'cloudflare' } };
    }
    if (sub === 'token' && method === 'GET') {
      return { result: Buffer.from(JSON.stringify({ a: t.account_id, t: t.id, s: t.secret })).toString('base64') };
    }
    if (sub === 'connections' && method === 'DELETE') {
      onlyQuery(query, ['client_id']);
      t.connections = [];
      t.status = 'inactive';
      return { result: null };
    }
    throw new ApiError(404, 7000, 'No route for that URI');
  }

  private dnsRoute(
    method: string,
    zone: FakeZone,
    rest: string[],
    query: Record<string, string>,
    body: unknown,
  ): { result: unknown; info?: Record<string, number> } {
    const inZone = this.dns.filter((r) => r.zone_id === zone.id);
    if (rest.length === 0 && method === 'GET') {
      onlyQuery(query, ['name', 'type', 'page', 'per_page']);
      return page(
        inZone.filter((r) => (query.name === undefined || r.name === query.name) && (query.type === undefined || r.type === query.type)),
        query,
      );
    }
    if (rest.length === 0 && method === 'POST') {
      const b = checkRecord(zone, body, true);
      if (inZone.some((r) => r.name === b.name && ['A', 'AAAA', 'CNAME'].includes(r.type))) {
        throw new ApiError(400, 81053, 'An A, AAAA, or CNAME record with that host already exists.');
      }
      const rec: FakeDnsRecord = {
        ...(b as Omit<FakeDnsRecord, 'id' | 'zone_id'>),
        id: randomBytes(16).toString('hex'),
        zone_id: zone.id,
        comment: (b.comment as string | undefined) ?? null,
      };
      this.dns.push(rec);
      return { result: rec };
    }
    const rec = inZone.find((r) => r.id === rest[0]);
    if (!rec || rest.length !== 1) throw new ApiError(404, 81044, 'Record does not exist.');
    if (method === 'PATCH') {
      Object.assign(rec, checkRecord(zone, body, false));
      return { result: rec };
    }
    if (method === 'DELETE') {
      this.dns.splice(this.dns.indexOf(rec), 1);
      return { result: { id: rec.id } };
    }
    throw new ApiError(405, 10405, 'Method not allowed');
  }
}

function failure(code: number, message: string): unknown {
  return { success: false, errors: [{ code, message }], messages: [], result: null };
}

function page<T>(list: T[], query: Record<string, string>): { result: T[]; info: Record<string, number> } {
  const perPage = Number(query.per_page ?? 20);
  const n = Number(query.page ?? 1);
  const result = list.slice((n - 1) * perPage, n * perPage);
  return {
    result,
    info: { page: n, per_page: perPage, count: result.length, total_count: list.length, total_pages: Math.max(1, Math.ceil(list.length / perPage)) },
  };
}

function publicTunnel(t: FakeTunnel): Record<string, unknown> {
  const { config: _c, version: _v, secret: _s, ...rest } = t;
  return { ...rest, created_at: '2026-11-01T00:00:00Z', tun_type: 'cfd_tunnel' };
}

function onlyQuery(query: Record<string, string>, allowed: string[]): void {
  const unknown = Object.keys(query).find((k) => !allowed.includes(k));
  if (unknown) throw new ApiError(400, 1001, `Unknown query parameter: ${unknown}`);
}

function fields(value: unknown, allowed: string[], required: string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ApiError(400, 1001, 'Expected a JSON object');
  const unknown = Object.keys(value).find((k) => !allowed.includes(k));
  if (unknown) throw new ApiError(400, 1001, `Unknown field: ${unknown}`);
  const missing = required.find((k) => !(k in value));
  if (missing) throw new ApiError(400, 1001, `Missing field: ${missing}`);
  return value as Record<string, unknown>;
}

function checkRecord(zone: FakeZone, body: unknown, create: boolean): Record<string, unknown> {
  const b = fields(body, ['type', 'name', 'content', 'proxied', 'ttl', 'comment', 'tags'], create ? ['type', 'name', 'content'] : []);
  if (b.name !== undefined) {
    const name = String(b.name);
    if (name !== zone.name && !name.endsWith(`.${zone.name}`)) throw new ApiError(400, 9005, 'Content for record is invalid: the name is not in the zone');
  }
  if (b.ttl !== undefined && (typeof b.ttl !== 'number' || (b.ttl !== 1 && b.ttl < 60))) throw new ApiError(400, 9021, 'Invalid TTL');
  if (typeof b.content === 'string' && b.content.endsWith('.cfargotunnel.com') && b.proxied !== true) {
    throw new ApiError(400, 9004, 'A CNAME to a tunnel must be proxied');
  }
  return b;
}

/** cloudflared's rules (ingress/ingress.go validateHostname, parseIngress), for the remote config. */
function checkIngress(ingress: unknown): void {
  const bad = (why: string): never => {
    throw new ApiError(400, 1055, `Validation failed: ${why}`);
  };
  if (!Array.isArray(ingress) || ingress.length === 0) bad('ingress must be a non-empty list');
  const rules = ingress as unknown[];
  rules.forEach((raw, i) => {
    const r = fields(raw, ['hostname', 'path', 'service', 'originRequest'], ['service']);
    const hostname = r.hostname === undefined ? '' : String(r.hostname);
    const path = r.path === undefined ? '' : String(r.path);
    if (/:\d+$/.test(hostname)) bad(`rule ${i + 1}: hostname contains a port`);
    if (hostname.lastIndexOf('*') > 0) bad(`rule ${i + 1}: wildcards are only allowed at the start`);
    const catchAll = (hostname === '' || hostname === '*') && path === '';
    const last = i === rules.length - 1;
    if (last && !catchAll) bad('The last ingress rule must match all URLs (i.e. it should not have a hostname or path filter)');
    if (!last && catchAll) bad(`Rule #${i + 1} is matching the hostname '${hostname}', but this will match every hostname`);
    if (path !== '') {
      try {
        new RegExp(path);
      } catch {
        bad(`rule ${i + 1}: invalid path regex`);
      }
    }
    const service = String(r.service);
    if (/^http_status:\d{3}$/.test(service) || service === 'hello_world') return;
    if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#]+/.test(service)) bad(`${service} is an invalid address, please make sure it has a scheme and a hostname`);
    if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#]+$/.test(service)) bad(`${service} is an invalid address, ingress rules don't support proxying to a different path`);
  });
}

/**
 * A Cloudflare-like front for the outside-in check's tests: an HTTP server on 127.0.0.1 that takes
 * requests with the public host as Host (as core/check's frontTransport sends them) and answers
 * like Cloudflare's edge in front of an upstream — canned answers (below: Mastodon, Misskey, a
 * Bluesky PDS with its PLC directory and relay, in upstream's shapes) or another HTTP server such
 * as the loopback edge (`{ forward: edge.url }`). Every answer gets CF-Ray, `server: cloudflare`,
 * its own Date and `cf-cache-status: DYNAMIC`.
 *
 * One fault at a time can be switched on per test (`inject`), each what a real zone does wrong:
 * a challenge for fediverse User-Agents only (Bot Fight Mode), a 403 WAF block page, cached JSON
 * (`cf-cache-status: HIT`), a name answered by another server (DNS pointing elsewhere, no
 * Cloudflare headers), a clock that is off (Date), a handle answering the wrong DID, a relay that
 * does not know the repo, and the tunnel down (530, error 1033).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FrontRequest {
  method: string;
  host: string;
  /** path and query */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Canned {
  status: number;
  headers?: Record<string, string>;
  /** a string as it is; anything else as JSON */
  body?: unknown;
}

/** An upstream's answer to a request; undefined: the host is not routed (the edge's 404). */
export type Upstream = (req: FrontRequest) => Canned | undefined;

export type Fault =
  | { kind: 'challenge-fediverse' }
  | { kind: 'waf-block'; path?: RegExp }
  | { kind: 'cache-hit'; path: RegExp }
  | { kind: 'dns-elsewhere'; host: string }
  | { kind: 'clock-off'; offsetMs: number }
  | { kind: 'wrong-did'; handle: string; did: string }
  | { kind: 'relay-unknown-repo'; relayHost: string; did?: string }
  | { kind: 'tunnel-down' };

export interface Front {
  url: string;
  /** switches one fault on (null: none) */
  inject(fault: Fault | null): void;
  /** every request the front got, oldest first */
  readonly requests: FrontRequest[];
  close(): Promise<void>;
}

const FEDIVERSE_AGENT = /Mastodon|Misskey|http\.rb|Pleroma|Akkoma|Friendica/i;

const CHALLENGE_PAGE =
  '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head><body><div id="challenge-body-text">Verifying you are human. This may take a few seconds.</div><script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script></body></html>';
const BLOCK_PAGE =
  '<!DOCTYPE html><html lang="en-US"><head><title>Attention Required! | Cloudflare</title></head><body><h1>Sorry, you have been blocked</h1><h2>You are unable to access this site</h2><p>Cloudflare Ray ID: 8f00000000000000</p></body></html>';

export async function startFront(opts: { upstream: Upstream | { forward: string }; port?: number }): Promise<Front> {
  let fault: Fault | null = null;
  let ray = 0;
  const requests: FrontRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      const r: FrontRequest = {
        method: req.method ?? 'GET',
        host,
        url: `${url.pathname}${url.search}`,
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(r);
      const f = fault;
      const date = new Date(Date.now() + (f?.kind === 'clock-off' ? f.offsetMs : 0)).toUTCString();
      const cf = { 'cf-ray': `${(++ray).toString(16).padStart(16, '0')}-NRT`, server: 'cloudflare', date, 'cf-cache-status': 'DYNAMIC' };
      const send = (a: Canned, headers: Record<string, string> = cf): void => {
        const body = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
        const type = a.body === undefined || typeof a.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
        res.writeHead(a.status, { 'content-type': type, ...a.headers, ...headers });
        res.end(body);
      };
      if (f?.kind === 'tunnel-down') return send({ status: 530, body: 'error code: 1033' });
      if (f?.kind === 'dns-elsewhere' && host === f.host) {
        return send(
          { status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>This domain is parked.</body></html>' },
          { server: 'nginx', date },
        );
      }
      if (f?.kind === 'challenge-fediverse' && FEDIVERSE_AGENT.test(String(req.headers['user-agent'] ?? ''))) {
        return send({ status: 403, headers: { 'content-type': 'text/html; charset=UTF-8', 'cf-mitigated': 'challenge' }, body: CHALLENGE_PAGE });
      }
      if (f?.kind === 'waf-block' && (f.path === undefined || f.path.test(r.path))) {
        return send({ status: 403, headers: { 'content-type': 'text/html; charset=UTF-8' }, body: BLOCK_PAGE });
      }
      if (f?.kind === 'wrong-did' && host === f.handle && r.path === '/.well-known/atproto-did') return send({ status: 200, body: f.did });
      if (
        f?.kind === 'relay-unknown-repo' &&
        host === f.relayHost &&
        r.path === '/xrpc/com.atproto.sync.getRepoStatus' &&
        (f.did ?? r.query.get('did')) === r.query.get('did')
      ) {
        return send({ status: 400, body: { error: 'RepoNotFound', message: `Could not find repo for DID: ${r.query.get('did') ?? ''}` } });
      }
      const cached: Record<string, string> = f?.kind === 'cache-hit' && f.path.test(r.path) ? { 'cf-cache-status': 'HIT', age: '3600' } : {};
      if ('forward' in opts.upstream) return forward(opts.upstream.forward, req, r, res, { ...cf, ...cached });
      const answer = opts.upstream(r) ?? { status: 404, body: '' };
      send(answer, { ...cf, ...cached });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    inject: (f) => (fault = f),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function forward(base: string, req: http.IncomingMessage, r: FrontRequest, res: http.ServerResponse, cf: Record<string, string>): void {
  const to = new URL(base);
  const upstream = http.request({ host: to.hostname, port: to.port, method: r.method, path: r.url, headers: req.headers }, (up) => {
    res.writeHead(up.statusCode ?? 502, { ...up.headers, ...cf });
    up.pipe(res);
  });
  upstream.on('error', () => {
    res.writeHead(502, { 'content-type': 'text/plain', ...cf });
    res.end('Bad gateway');
  });
  upstream.end(r.body);
}

const json = (body: unknown, type = 'application/json; charset=utf-8', status = 200): Canned => ({
  status,
  headers: { 'content-type': type },
  body: JSON.stringify(body),
});
const html = (status: number, body: string): Canned => ({ status, headers: { 'content-type': 'text/html; charset=utf-8' }, body });
const wantsActivity = (r: FrontRequest): boolean => /application\/(activity|ld)\+json/.test(String(r.headers.accept ?? ''));

/** A test public key (any PEM-shaped text: nothing verifies it). */
const PUBLIC_KEY_PEM = '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtest\n-----END PUBLIC KEY-----\n';

const hostMeta = (domain: string, type = ''): Canned => ({
  status: 200,
  headers: { 'content-type': 'application/xrd+xml; charset=utf-8' },
  body: `<?xml version="1.0" encoding="UTF-8"?>\n<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n  <Link rel="lrdd"${type} template="https://${domain}/.well-known/webfinger?resource={uri}"/>\n</XRD>\n`,
});

const unsignedInbox = (r: FrontRequest): Canned =>
  r.headers.signature === undefined ? json({ error: 'Request not signed' }, 'application/json; charset=utf-8', 401) : { status: 202, body: '' };

/** Mastodon's answers (v4.x shapes): /health, host-meta, WebFinger, NodeInfo 2.0, the actor at /users/<name>, the shared inbox. */
export function mastodonUpstream(o: { domain: string; admin: string; version?: string; summary?: string }): Upstream {
  const base = `https://${o.domain}`;
  const actor = `${base}/users/${o.admin}`;
  return (r) => {
    if (r.host !== o.domain) return undefined;
    if (r.path === '/health') return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'OK' };
    if (r.path === '/.well-known/host-meta') return hostMeta(o.domain);
    if (r.path === '/.well-known/webfinger') {
      if (r.query.get('resource') !== `acct:${o.admin}@${o.domain}`) return json({ error: 'Record not found' }, 'application/jrd+json; charset=utf-8', 404);
      return json(
        {
          subject: `acct:${o.admin}@${o.domain}`,
          aliases: [`${base}/@${o.admin}`, actor],
          links: [
            { rel: 'http://webfinger.net/rel/profile-page', type: 'text/html', href: `${base}/@${o.admin}` },
            { rel: 'self', type: 'application/activity+json', href: actor },
            { rel: 'http://ostatus.org/schema/1.0/subscribe', template: `${base}/authorize_interaction?uri={uri}` },
          ],
        },
        'application/jrd+json; charset=utf-8',
      );
    }
    if (r.path === '/.well-known/nodeinfo') return json({ links: [{ rel: 'http://nodeinfo.diaspora.software/ns/schema/2.0', href: `${base}/nodeinfo/2.0` }] });
    if (r.path === '/nodeinfo/2.0') {
      return json(
        {
          version: '2.0',
          software: { name: 'mastodon', version: o.version ?? '4.7.4' },
          protocols: ['activitypub'],
          services: { outbound: [], inbound: [] },
          usage: { users: { total: 1, activeMonth: 1, activeHalfyear: 1 }, localPosts: 0 },
          openRegistrations: false,
          metadata: { nodeName: o.domain, nodeDescription: '' },
        },
        'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.0#"',
      );
    }
    if (r.path === `/users/${o.admin}`) {
      if (!wantsActivity(r)) return html(200, `<!DOCTYPE html><html><title>${o.admin}</title></html>`);
      return json(
        {
          '@context': ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1'],
          id: actor,
          type: 'Person',
          following: `${actor}/following`,
          followers: `${actor}/followers`,
          inbox: `${actor}/inbox`,
          outbox: `${actor}/outbox`,
          featured: `${actor}/collections/featured`,
          preferredUsername: o.admin,
          name: o.admin,
          summary: o.summary ?? '',
          url: `${base}/@${o.admin}`,
          manuallyApprovesFollowers: false,
          discoverable: true,
          publicKey: { id: `${actor}#main-key`, owner: actor, publicKeyPem: PUBLIC_KEY_PEM },
          endpoints: { sharedInbox: `${base}/inbox` },
        },
        'application/activity+json; charset=utf-8',
      );
    }
    if (r.path === '/inbox' && r.method === 'POST') return unsignedInbox(r);
    return html(404, "<!DOCTYPE html><html><title>The page you are looking for isn't here.</title></html>");
  };
}

/** Misskey's answers (2026.x shapes): /healthz, host-meta, WebFinger, NodeInfo 2.1 and 2.0, the actor at /users/<id>, the shared inbox. */
export function misskeyUpstream(o: { domain: string; admin: string; userId?: string; version?: string }): Upstream {
  const base = `https://${o.domain}`;
  const actor = `${base}/users/${o.userId ?? '9x1a2b3c4d'}`;
  const nodeinfo = (version: string): Canned =>
    json(
      {
        version,
        software: {
          name: 'misskey',
          version: o.version ?? '2026.10.0',
          homepage: 'https://misskey-hub.net/',
          repository: 'https://github.com/misskey-dev/misskey',
        },
        protocols: ['activitypub'],
        services: { inbound: [], outbound: ['atom1.0', 'rss2.0'] },
        openRegistrations: false,
        usage: { users: { total: 1, activeHalfyear: null, activeMonth: null }, localPosts: 0, localComments: 0 },
        metadata: { nodeName: o.domain, maintainer: { name: null, email: null }, federation: 'all' },
      },
      `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/${version}#"`,
    );
  return (r) => {
    if (r.host !== o.domain) return undefined;
    if (r.path === '/healthz') return { status: 200, body: '' };
    if (r.path === '/.well-known/host-meta') return hostMeta(o.domain, ' type="application/xrd+xml"');
    if (r.path === '/.well-known/webfinger') {
      if (r.query.get('resource') !== `acct:${o.admin}@${o.domain}`) return { status: 404, body: '' };
      return json(
        {
          subject: `acct:${o.admin}@${o.domain}`,
          links: [
            { rel: 'self', type: 'application/activity+json', href: actor },
            { rel: 'http://webfinger.net/rel/profile-page', type: 'text/html', href: `${base}/@${o.admin}` },
            { rel: 'http://ostatus.org/schema/1.0/subscribe', template: `${base}/authorize-follow?acct={uri}` },
          ],
        },
        'application/jrd+json',
      );
    }
    if (r.path === '/.well-known/nodeinfo') {
      return json({
        links: [
          { rel: 'http://nodeinfo.diaspora.software/ns/schema/2.1', href: `${base}/nodeinfo/2.1` },
          { rel: 'http://nodeinfo.diaspora.software/ns/schema/2.0', href: `${base}/nodeinfo/2.0` },
        ],
      });
    }
    if (r.path === '/nodeinfo/2.1') return nodeinfo('2.1');
    if (r.path === '/nodeinfo/2.0') return nodeinfo('2.0');
    if (`${base}${r.path}` === actor) {
      if (!wantsActivity(r)) return html(200, '<!DOCTYPE html><html><title>Misskey</title></html>');
      return json(
        {
          '@context': ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1', { Key: 'sec:Key', isCat: 'misskey:isCat' }],
          type: 'Person',
          id: actor,
          inbox: `${actor}/inbox`,
          outbox: `${actor}/outbox`,
          followers: `${actor}/followers`,
          following: `${actor}/following`,
          featured: `${actor}/collections/featured`,
          sharedInbox: `${base}/inbox`,
          endpoints: { sharedInbox: `${base}/inbox` },
          url: `${base}/@${o.admin}`,
          preferredUsername: o.admin,
          name: null,
          summary: null,
          publicKey: { id: `${actor}#main-key`, type: 'Key', owner: actor, publicKeyPem: PUBLIC_KEY_PEM },
          isCat: false,
          manuallyApprovesFollowers: false,
          discoverable: true,
        },
        'application/activity+json; charset=utf-8',
      );
    }
    if (r.path === '/inbox' && r.method === 'POST') return unsignedInbox(r);
    return html(404, '<!DOCTYPE html><html><title>Misskey</title></html>');
  };
}

/** A Bluesky PDS with its accounts, the PLC directory it registers them in, and a relay that has crawled it. */
export function pdsUpstream(o: { domain: string; pdsHost: string; plcHost: string; relayHost: string; accounts: { did: string; handle: string }[] }): Upstream {
  return (r) => {
    const account = o.accounts.find((a) => a.handle === r.host);
    if (account && r.path === '/.well-known/atproto-did') return { status: 200, body: account.did };
    if (r.host === o.pdsHost) {
      if (r.path === '/xrpc/_health') return json({ version: '0.4.219' });
      if (r.path === '/xrpc/com.atproto.server.describeServer') {
        return json({ did: `did:web:${o.pdsHost}`, availableUserDomains: [`.${o.domain}`], inviteCodeRequired: true, links: {}, contact: {} });
      }
      if (r.path === '/xrpc/com.atproto.sync.listRepos')
        return json({ repos: o.accounts.map((a) => ({ did: a.did, head: 'bafyreihead', rev: '3l2rev', active: true })) });
      return json({ error: 'MethodNotImplemented', message: 'Method Not Implemented' }, 'application/json; charset=utf-8', 501);
    }
    if (r.host === o.plcHost) {
      const doc = o.accounts.find((a) => r.path === `/${a.did}`);
      if (!doc) return json({ message: `DID not registered: ${r.path.slice(1)}` }, 'application/json; charset=utf-8', 404);
      return json(
        {
          '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
          id: doc.did,
          alsoKnownAs: [`at://${doc.handle}`],
          verificationMethod: [{ id: `${doc.did}#atproto`, type: 'Multikey', controller: doc.did, publicKeyMultibase: 'zQ3shtest' }],
          service: [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: `https://${o.pdsHost}` }],
        },
        'application/did+ld+json; charset=utf-8',
      );
    }
    if (r.host === o.relayHost) {
      if (r.path === '/xrpc/com.atproto.sync.getRepoStatus') {
        const did = r.query.get('did') ?? '';
        if (!o.accounts.some((a) => a.did === did)) return json({ error: 'RepoNotFound', message: `Could not find repo for DID: ${did}` }, undefined, 400);
        return json({ did, active: true, rev: '3l2rev' });
      }
      if (r.path === '/xrpc/com.atproto.sync.requestCrawl' && r.method === 'POST') return json({});
    }
    return undefined;
  };
}

/** Several upstreams behind one front: the first that routes the host answers. */
export function upstreams(...list: Upstream[]): Upstream {
  return (r) => {
    for (const u of list) {
      const a = u(r);
      if (a !== undefined) return a;
    }
    return undefined;
  };
}

/**
 * The XRPC client against a scripted HTTP server on 127.0.0.1: what it sends (paths, query, auth,
 * bodies), what it makes of answers, and how failures become EngawaErrors without the admin password.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PdsClient, requestCrawl } from '../../../electron/core/stacks/bluesky/xrpc';
import { EngawaError } from '../../../electron/core/util/errors';

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  auth: string | undefined;
  body: unknown;
}
type Reply = { status: number; body?: unknown; raw?: string; hang?: boolean };

const ADMIN = 'f00dfeedf00dfeedf00dfeedf00dfeed';
let server: http.Server;
let base = '';
let seen: Seen[] = [];
let replies: Record<string, (req: Seen) => Reply> = {};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const s: Seen = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        auth: req.headers.authorization,
        body: text === '' ? undefined : JSON.parse(text),
      };
      seen.push(s);
      const reply = replies[url.pathname]?.(s) ?? { status: 501, body: { error: 'MethodNotImplemented', message: 'Method Not Implemented' } };
      if (reply.hang === true) return;
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen = [];
  replies = {};
});

const client = (opts: { adminPassword?: string; timeoutMs?: number } = { adminPassword: ADMIN }) => new PdsClient({ baseUrl: `${base}/`, ...opts });
const basic = `Basic ${Buffer.from(`admin:${ADMIN}`).toString('base64')}`;

async function failure(p: Promise<unknown>): Promise<EngawaError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof EngawaError)) throw new Error(`expected an EngawaError, got ${String(e)}`);
  return e;
}

describe('PdsClient', () => {
  it('reads health and the server description', async () => {
    replies['/xrpc/_health'] = () => ({ status: 200, body: { version: '9.9.9' } });
    replies['/xrpc/com.atproto.server.describeServer'] = () => ({
      status: 200,
      body: { did: 'did:web:pds.example.com', availableUserDomains: ['.example.com'], inviteCodeRequired: true, links: {} },
    });
    expect(await client().health()).toEqual({ version: '9.9.9' });
    expect(await client().describeServer()).toEqual({ did: 'did:web:pds.example.com', availableUserDomains: ['.example.com'], inviteCodeRequired: true });
    expect(seen.map((s) => [s.method, s.auth])).toEqual([
      ['GET', undefined],
      ['GET', undefined],
    ]);
  });

  it('creates an invite code with Basic admin auth and the use count', async () => {
    replies['/xrpc/com.atproto.server.createInviteCode'] = () => ({ status: 200, body: { code: 'pds-example-com-abcde' } });
    expect(await client().createInviteCode(3)).toBe('pds-example-com-abcde');
    expect(seen).toEqual([expect.objectContaining({ method: 'POST', auth: basic, body: { useCount: 3 } })]);
  });

  it('creates an account and a session without admin auth', async () => {
    const session = { did: 'did:plc:abc', handle: 'alice.example.com', accessJwt: 'a', refreshJwt: 'r', didDoc: {} };
    replies['/xrpc/com.atproto.server.createAccount'] = () => ({ status: 200, body: session });
    replies['/xrpc/com.atproto.server.createSession'] = () => ({ status: 200, body: session });
    const input = { handle: 'alice.example.com', email: 'a@example.com', password: 'pw-1234567890', inviteCode: 'code' };
    expect(await client().createAccount(input)).toEqual({ did: 'did:plc:abc', handle: 'alice.example.com', accessJwt: 'a', refreshJwt: 'r' });
    await client().createSession('alice.example.com', 'pw-1234567890');
    expect(seen.map((s) => [s.path, s.auth, s.body])).toEqual([
      ['/xrpc/com.atproto.server.createAccount', undefined, input],
      ['/xrpc/com.atproto.server.createSession', undefined, { identifier: 'alice.example.com', password: 'pw-1234567890' }],
    ]);
  });

  it('lists accounts over every listRepos page and joins the admin account infos in batches', async () => {
    const dids = Array.from({ length: 1001 }, (_, i) => `did:plc:${String(i).padStart(24, 'a')}`);
    replies['/xrpc/com.atproto.sync.listRepos'] = (s) => {
      const start = s.query.get('cursor') === null ? 0 : Number(s.query.get('cursor'));
      const limit = Number(s.query.get('limit'));
      const page = dids
        .slice(start, start + limit)
        .map((did, i) => ({ did, head: 'h', rev: 'r', active: start + i !== 1, ...(start + i === 1 && { status: 'takendown' }) }));
      return { status: 200, body: { repos: page, ...(start + limit < dids.length && { cursor: String(start + limit) }) } };
    };
    replies['/xrpc/com.atproto.admin.getAccountInfos'] = (s) => ({
      status: 200,
      body: {
        infos: s.query
          .getAll('dids')
          .map((did) => ({ did, handle: `h${dids.indexOf(did)}.example.com`, email: 'e@example.com', indexedAt: '2026-01-01T00:00:00.000Z' })),
      },
    });
    const accounts = await client().listAccounts();
    expect(accounts).toHaveLength(1001);
    expect(accounts[0]).toEqual({ did: dids[0], handle: 'h0.example.com', email: 'e@example.com', createdAt: '2026-01-01T00:00:00.000Z', active: true });
    expect(accounts[1]).toMatchObject({ active: false, status: 'takendown' });
    expect(accounts[1000]).toMatchObject({ did: dids[1000], handle: 'h1000.example.com' });
    const infoCalls = seen.filter((s) => s.path.endsWith('getAccountInfos'));
    expect(infoCalls.every((s) => s.auth === basic && s.query.getAll('dids').length <= 50)).toBe(true);
    expect(infoCalls.flatMap((s) => s.query.getAll('dids'))).toEqual(dids);
    expect(seen.filter((s) => s.path.endsWith('listRepos'))).toHaveLength(2);
  });

  it('resets a password with admin auth', async () => {
    replies['/xrpc/com.atproto.admin.updateAccountPassword'] = () => ({ status: 200 });
    await client().updateAccountPassword('did:plc:abc', 'new-password-123456');
    expect(seen).toEqual([expect.objectContaining({ method: 'POST', auth: basic, body: { did: 'did:plc:abc', password: 'new-password-123456' } })]);
  });

  it('refuses admin calls without an admin password before sending anything', async () => {
    const e = await failure(client({}).createInviteCode());
    expect(e.code).toBe('INTERNAL');
    expect(seen).toEqual([]);
  });
});

describe('XRPC errors', () => {
  const cases: [Reply, string, string][] = [
    [{ status: 400, body: { error: 'HandleNotAvailable', message: 'Reserved handle' } }, 'NAME_TAKEN', 'HandleNotAvailable'],
    [{ status: 400, body: { error: 'InvalidRequest', message: 'Handle already taken: alice.example.com' } }, 'NAME_TAKEN', 'InvalidRequest'],
    [{ status: 400, body: { error: 'InvalidInviteCode', message: 'Provided invite code not available' } }, 'INVALID_INPUT', 'InvalidInviteCode'],
    [{ status: 401, body: { error: 'AuthenticationRequired', message: 'Invalid identifier or password' } }, 'INVALID_INPUT', 'AuthenticationRequired'],
    [{ status: 429, body: { error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' } }, 'BUSY', 'RateLimitExceeded'],
    [{ status: 400, body: { error: 'AccountNotFound', message: 'Account not found' } }, 'NOT_FOUND', 'AccountNotFound'],
    [{ status: 503, body: { version: '0.4.217', error: 'Service Unavailable' } }, 'UNHEALTHY', 'Service Unavailable'],
    [{ status: 502, raw: '<html>Bad Gateway</html>' }, 'UNHEALTHY', 'HTTP 502'],
  ];
  it.each(cases)('%j becomes %s carrying the XRPC error name', async (reply, code, name) => {
    replies['/xrpc/com.atproto.server.createSession'] = () => reply;
    const e = await failure(client().createSession('alice.example.com', 'x'));
    expect(e.code).toBe(code);
    expect(e.details).toMatchObject({ method: 'com.atproto.server.createSession', status: reply.status, xrpcError: name });
    expect(e.message).toContain('com.atproto.server.createSession');
  });

  it('never carries the admin password, even when the server echoes it', async () => {
    replies['/xrpc/com.atproto.server.createInviteCode'] = (s) => ({
      status: 401,
      body: { error: 'AuthRequired', message: `bad credentials ${s.auth} ${ADMIN}` },
    });
    const e = await failure(client().createInviteCode());
    expect(e.code).toBe('INVALID_INPUT');
    expect(JSON.stringify({ message: e.message, details: e.details })).not.toContain(ADMIN);
  });

  it('reports an answer that is not JSON as a broken answer', async () => {
    replies['/xrpc/_health'] = () => ({ status: 200, raw: '<html>a login page</html>' });
    expect((await failure(client().health())).code).toBe('INTERNAL');
  });

  it('reports a server that does not answer in time', async () => {
    replies['/xrpc/_health'] = () => ({ status: 200, hang: true });
    expect((await failure(client({ timeoutMs: 200 }).health())).code).toBe('TIMEOUT');
  });

  it('reports a server that is not there', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const e = await failure(new PdsClient({ baseUrl: `http://127.0.0.1:${port}`, adminPassword: ADMIN }).createInviteCode());
    expect(e.code).toBe('UNHEALTHY');
    expect(e.message).toContain(`127.0.0.1:${port}`);
    expect(e.message).not.toContain(ADMIN);
  });
});

describe('requestCrawl', () => {
  it('asks the relay to crawl the PDS hostname, without any auth', async () => {
    replies['/xrpc/com.atproto.sync.requestCrawl'] = () => ({ status: 200 });
    await requestCrawl(base, 'pds.example.com');
    expect(seen).toEqual([expect.objectContaining({ method: 'POST', auth: undefined, body: { hostname: 'pds.example.com' } })]);
  });

  it('passes the relay’s refusal on', async () => {
    replies['/xrpc/com.atproto.sync.requestCrawl'] = () => ({ status: 400, body: { error: 'InvalidRequest', message: 'hostname is not reachable' } });
    const e = await failure(requestCrawl(base, 'pds.example.com'));
    expect(e).toMatchObject({ code: 'INVALID_INPUT', details: { xrpcError: 'InvalidRequest', xrpcMessage: 'hostname is not reachable' } });
  });
});

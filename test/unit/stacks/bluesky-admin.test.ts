/**
 * PdsAdmin against a scripted XRPC server (injected fetch): which calls it makes, in which order,
 * and that refusals are plain sentences with nothing changed. The real PDS is in
 * test/integration/pds.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { PdsAdmin, type PdsInstances } from '../../../electron/core/stacks/bluesky/admin';
import { blueskyRecipe } from '../../../electron/core/stacks/bluesky/recipe';
import { generateSecrets } from '../../../electron/core/stacks/secrets';
import { plan } from '../../../electron/core/stacks/plan';
import type { InstanceState } from '../../../electron/core/instances/types';
import type { InstanceStatus } from '../../../electron/shared/contract';

const LOCAL = 'http://127.0.0.1:40123';
const secrets = generateSecrets(blueskyRecipe, {});

function instances(settings: Record<string, string> = {}, state: InstanceState = 'running', stack = 'bluesky'): PdsInstances {
  const status: InstanceStatus = { name: 'home', stack, domain: 'example.com', state, services: [], localUrl: LOCAL, publicUrl: null };
  return {
    status: async () => status,
    planFor: async () => plan(blueskyRecipe, { instance: 'home', domain: 'example.com', secrets, settings }),
  };
}

interface Call {
  method: string;
  url: string;
  auth: string | null;
  body: unknown;
}

/** A fetch that records each request and answers from `reply` (nsid → [status, body]). */
function server(reply: (nsid: string, body: unknown) => [number, unknown]): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const f = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    const headers = new Headers(init?.headers);
    calls.push({ method: init?.method ?? 'GET', url, auth: headers.get('authorization'), body });
    const nsid = new URL(url).pathname.replace('/xrpc/', '');
    const [status, json] = reply(nsid, body);
    return new Response(JSON.stringify(json), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { fetch: f, calls };
}

const basic = `Basic ${Buffer.from(`admin:${secrets.admin_password}`).toString('base64')}`;
const nsids = (calls: Call[]) => calls.map((c) => new URL(c.url).pathname.replace('/xrpc/', ''));

describe('PdsAdmin', () => {
  it('creates an account: checks it is free, makes an invite code with the admin password, then createAccount with it', async () => {
    const s = server((nsid) => {
      if (nsid === 'com.atproto.sync.listRepos') return [200, { repos: [] }];
      if (nsid === 'com.atproto.server.createInviteCode') return [200, { code: 'invite-1' }];
      return [200, { did: 'did:plc:bob', handle: 'bob.example.com', accessJwt: 'a', refreshJwt: 'r' }];
    });
    const admin = await PdsAdmin.open(instances(), 'home', { fetch: s.fetch });
    const result = await admin.createAccount({ handle: 'Bob', email: 'bob@example.com' });
    expect(result).toMatchObject({ did: 'did:plc:bob', handle: 'bob.example.com' });
    expect(result.password).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{23}$/);
    expect(nsids(s.calls)).toEqual(['com.atproto.sync.listRepos', 'com.atproto.server.createInviteCode', 'com.atproto.server.createAccount']);
    expect(s.calls[1]?.auth).toBe(basic);
    expect(s.calls[2]).toMatchObject({
      auth: null,
      body: { handle: 'bob.example.com', email: 'bob@example.com', password: result.password, inviteCode: 'invite-1' },
    });
    expect(s.calls.every((c) => c.url.startsWith(`${LOCAL}/xrpc/`))).toBe(true);
  });

  it('returns no password when the user chose one', async () => {
    const s = server((nsid) =>
      nsid === 'com.atproto.sync.listRepos'
        ? [200, { repos: [] }]
        : nsid === 'com.atproto.server.createInviteCode'
          ? [200, { code: 'c' }]
          : [200, { did: 'did:plc:bob', handle: 'bob.example.com', accessJwt: 'a', refreshJwt: 'r' }],
    );
    const admin = await PdsAdmin.open(instances(), 'home', { fetch: s.fetch });
    expect(await admin.createAccount({ handle: 'bob', email: 'bob@example.com', password: 'my own password' })).toEqual({
      did: 'did:plc:bob',
      handle: 'bob.example.com',
    });
    await expect(admin.createAccount({ handle: 'bob', email: 'bob@example.com', password: 'short' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('disables the invite code again when the PDS refuses the account', async () => {
    const s = server((nsid) => {
      if (nsid === 'com.atproto.sync.listRepos') return [200, { repos: [] }];
      if (nsid === 'com.atproto.server.createInviteCode') return [200, { code: 'invite-2' }];
      if (nsid === 'com.atproto.admin.disableInviteCodes') return [200, {}];
      return [400, { error: 'InvalidRequest', message: 'This email address is not supported, please use a different email.' }];
    });
    const admin = await PdsAdmin.open(instances(), 'home', { fetch: s.fetch });
    await expect(admin.createAccount({ handle: 'bob', email: 'bob@throwaway.example' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: 'The PDS does not accept the e-mail address bob@throwaway.example (it refuses invalid and throwaway addresses); use another one.',
    });
    expect(nsids(s.calls).at(-1)).toBe('com.atproto.admin.disableInviteCodes');
    expect(s.calls.at(-1)).toMatchObject({ auth: basic, body: { codes: ['invite-2'] } });
  });

  it('refuses a handle that is not allowed without calling the PDS at all', async () => {
    const s = server(() => [500, {}]);
    const admin = await PdsAdmin.open(instances(), 'home', { fetch: s.fetch });
    await expect(admin.createAccount({ handle: 'admin', email: 'a@example.com' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(admin.resetPassword('x')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(s.calls).toEqual([]);
  });

  it('names a wrong admin password as such, and a stopped PDS without asking it', async () => {
    const s = server(() => [401, { error: 'AuthMissing', message: 'Authentication Required' }]);
    const admin = await PdsAdmin.open(instances(), 'home', { fetch: s.fetch });
    await expect(admin.invite()).rejects.toMatchObject({
      code: 'SECRETS',
      message: 'The PDS of "home" did not accept the admin password Engawa keeps for it; restore the instance\'s secrets from a backup.',
    });
    const stopped = server(() => [200, {}]);
    const down = await PdsAdmin.open(instances({}, 'stopped'), 'home', { fetch: stopped.fetch });
    await expect(down.accounts()).rejects.toMatchObject({ code: 'UNHEALTHY', message: 'The PDS of "home" is stopped; start it and try again.' });
    const starting = await PdsAdmin.open(instances({}, 'starting'), 'home', { fetch: stopped.fetch });
    await expect(starting.invite()).rejects.toMatchObject({ code: 'UNHEALTHY', message: expect.stringContaining('still starting') });
    expect(stopped.calls).toEqual([]);
  });

  it('refuses an instance of another stack', async () => {
    await expect(PdsAdmin.open(instances({}, 'running', 'mastodon'), 'home')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('announces the PDS host to every configured relay', async () => {
    const s = server(() => [200, {}]);
    const admin = await PdsAdmin.open(instances({ crawlers: 'https://relay-a.example,https://relay-b.example' }), 'home', { fetch: s.fetch });
    expect(await admin.announce()).toEqual(['https://relay-a.example', 'https://relay-b.example']);
    expect(s.calls.map((c) => [c.method, c.url, c.body])).toEqual([
      ['POST', 'https://relay-a.example/xrpc/com.atproto.sync.requestCrawl', { hostname: 'pds.example.com' }],
      ['POST', 'https://relay-b.example/xrpc/com.atproto.sync.requestCrawl', { hostname: 'pds.example.com' }],
    ]);
    expect(s.calls.every((c) => c.auth === null)).toBe(true);
  });

  it('names the relays that did not accept, after telling the others', async () => {
    const s = server((_nsid) => [200, {}]);
    const failing = (async (input: RequestInfo | URL, init?: RequestInit) =>
      String(input).includes('relay-a') ? new Response('{"error":"InternalServerError"}', { status: 500 }) : s.fetch(input, init)) as typeof fetch;
    const admin = await PdsAdmin.open(instances({ crawlers: 'https://relay-a.example,https://relay-b.example' }), 'home', { fetch: failing });
    await expect(admin.announce()).rejects.toMatchObject({
      code: 'UNHEALTHY',
      message: expect.stringContaining('https://relay-a.example'),
      details: { failed: ['https://relay-a.example'], told: ['https://relay-b.example'] },
    });
    expect(s.calls).toHaveLength(1);
  });

  it('says plainly that there is nobody to announce to when no relay is configured', async () => {
    const s = server(() => [200, {}]);
    const admin = await PdsAdmin.open(instances({ crawlers: '' }), 'home', { fetch: s.fetch });
    await expect(admin.announce()).rejects.toMatchObject({
      code: 'STATE',
      message: '"home" has no relays configured (its crawlers setting is empty), so there is nobody to announce it to.',
    });
    expect(s.calls).toEqual([]);
  });
});

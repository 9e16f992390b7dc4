/**
 * The outside-in check of Mastodon and Misskey through a Cloudflare-like front answering in each
 * upstream's shapes: everything passes on a good day, and each fault a real zone has (a challenge
 * for fediverse User-Agents only, a WAF block, cached actor JSON, DNS pointing elsewhere, a clock
 * 10 minutes off, the tunnel down, a bad certificate) turns exactly one item red with its advice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { frontTransport } from '../../../electron/core/check/index';
import { mastodonRecipe } from '../../../electron/core/stacks/mastodon/recipe';
import { misskeyRecipe } from '../../../electron/core/stacks/misskey/recipe';
import { mastodonUpstream, misskeyUpstream, type Fault } from '../../stubs/cloudflare/front';
import { failures, itemOf, startWorld, withCertificates, type World } from './world';

const DOMAIN = 'social.example.com';

const STACKS = [
  { stack: 'mastodon', recipe: mastodonRecipe, admin: 'owner', upstream: mastodonUpstream({ domain: DOMAIN, admin: 'owner' }), actorPath: /^\/users\/owner$/ },
  {
    stack: 'misskey',
    recipe: misskeyRecipe,
    admin: 'admin',
    upstream: misskeyUpstream({ domain: DOMAIN, admin: 'admin' }),
    actorPath: /^\/users\/9x1a2b3c4d$/,
  },
];

const PROBES = ['host-meta', 'webfinger', 'nodeinfo', 'nodeinfo-document', 'actor', 'shared-inbox'];
const CROSS = ['fediverse-agent', 'cloudflare-security', 'dns', 'cache', 'clock', `certificate:${DOMAIN}`, 'upload-limit'];

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe.each(STACKS)('the check of $stack', ({ recipe, admin, upstream, actorPath }) => {
  const start = (publicHost: string | null = DOMAIN) => startWorld(recipe, { domain: DOMAIN, admin, publicHost, upstream }).then((w) => (world = w));

  it('passes every probe on a good day; the certificate is not checked over plain HTTP and says so', async () => {
    const w = await start();
    const items = await w.check();
    expect(items.map((i) => i.id)).toEqual(['tunnel', ...PROBES, ...CROSS]);
    expect(failures(items)).toEqual([]);
    expect(items.filter((i) => i.pass === 'unknown').map((i) => i.id)).toEqual([`certificate:${DOMAIN}`]);
    expect(itemOf(items, `certificate:${DOMAIN}`).message).toMatch(/not checked, because the check went to http:\/\/127\.0\.0\.1:\d+ over plain HTTP/);
    expect(itemOf(items, 'upload-limit')).toMatchObject({ kind: 'note', pass: true, message: expect.stringMatching(/100 MB/) });
    const actor = itemOf(items, 'actor');
    expect(actor.details).toMatchObject({
      request: { method: 'GET', as: 'browser' },
      status: 200,
      contentType: expect.stringMatching(/^application\/activity\+json/),
    });
    expect(new URL(actor.details.request?.url ?? '').pathname).toMatch(actorPath);
    expect(actor.details.bodyExcerpt?.length).toBeLessThanOrEqual(300);
    expect(itemOf(items, 'shared-inbox').details).toMatchObject({ request: { method: 'POST', url: `https://${DOMAIN}/inbox` }, status: 401 });
    for (const i of items) expect(i.message, i.id).toMatch(/^([A-Z"']|[a-z0-9.-]+\.[a-z]{2,} ).*\.$/);
  });

  it('asks each request both as a browser and as a fediverse server, only of its own name, without credentials', async () => {
    const w = await start();
    await w.check();
    const agents = new Set(w.front.requests.map((r) => String(r.headers['user-agent'])));
    expect([...agents].some((a) => /^Mastodon\/\S+ \(http\.rb\/\S+; \+https:\/\/social\.example\.com\/\)$/.test(a))).toBe(true);
    expect([...agents].some((a) => /^Mozilla\/5\.0/.test(a))).toBe(true);
    expect(new Set(w.front.requests.map((r) => r.host))).toEqual(new Set([DOMAIN]));
    for (const r of w.front.requests) {
      expect(r.headers.authorization).toBeUndefined();
      expect(r.headers.cookie).toBeUndefined();
      expect(r.headers.signature).toBeUndefined();
    }
    // the webfinger, nodeinfo, actor and inbox requests, each twice, plus host-meta twice and the health page
    expect(w.front.requests.length).toBe(1 + 2 * PROBES.length);
  });

  const faults: [string, Fault, string, string, RegExp][] = [
    ['a challenge for fediverse User-Agents only (Bot Fight Mode)', { kind: 'challenge-fediverse' }, 'fediverse-agent', 'bot-fight-mode', /Bot Fight Mode/],
    ['a 403 WAF block', { kind: 'waf-block' }, 'cloudflare-security', 'waf-block', /WAF/],
    ['a WAF block on the actor only', { kind: 'waf-block', path: actorPath }, 'cloudflare-security', 'waf-block', /WAF/],
    ['cached actor JSON', { kind: 'cache-hit', path: actorPath }, 'cache', 'cache-rule', /cache rule/],
    ['a clock 10 minutes off', { kind: 'clock-off', offsetMs: 10 * 60_000 }, 'clock', 'clock', /10 minutes ahead of this computer's clock/],
    ['a clock 10 minutes behind', { kind: 'clock-off', offsetMs: -10 * 60_000 }, 'clock', 'clock', /10 minutes behind this computer's clock/],
  ];
  it.each(faults)('%s turns exactly the right item red', async (_name, fault, id, adviceKey, advice) => {
    const w = await start();
    w.front.inject(fault);
    const items = await w.check();
    expect(failures(items)).toEqual([{ id, adviceKey }]);
    expect(itemOf(items, id).message).toMatch(advice);
    expect(itemOf(items, id).details.request).not.toBeNull();
  });

  it('a Bot Fight Mode challenge leaves the probes themselves passing (browsers get through)', async () => {
    const w = await start();
    w.front.inject({ kind: 'challenge-fediverse' });
    const items = await w.check();
    for (const id of PROBES) expect(itemOf(items, id).pass, id).toBe(true);
    expect(itemOf(items, 'fediverse-agent').details).toMatchObject({ status: 403, request: { as: 'fediverse' } });
  });

  it('a WAF block on everything leaves the probes not checked, not failed', async () => {
    const w = await start();
    w.front.inject({ kind: 'waf-block' });
    const items = await w.check();
    for (const id of PROBES) expect(itemOf(items, id).pass, id).toBe('unknown');
    expect(itemOf(items, 'webfinger').message).toMatch(/Cloudflare blocked the request/);
    expect(itemOf(items, 'actor').message).toMatch(/was not checked, because it needs what the webfinger item finds, and that did not pass/);
  });

  it('DNS pointing elsewhere is one item naming the name, not a failure per probe', async () => {
    const w = await start();
    w.front.inject({ kind: 'dns-elsewhere', host: DOMAIN });
    const items = await w.check();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      id: 'dns',
      pass: false,
      adviceKey: 'dns-elsewhere',
      message: expect.stringContaining(`${DOMAIN} is answered by a server that is not Cloudflare`),
    });
  });

  it('the tunnel down (530, error 1033) is one item', async () => {
    const w = await start();
    w.front.inject({ kind: 'tunnel-down' });
    const items = await w.check();
    expect(items).toEqual([
      expect.objectContaining({ id: 'tunnel', pass: false, adviceKey: 'tunnel-down', message: expect.stringMatching(/error 1033.*start the server/) }),
    ]);
  });

  it('nothing answering at all (no front) is one item', async () => {
    const w = await start();
    await w.front.close();
    const items = await w.check(frontTransport(w.front.url));
    expect(items).toEqual([
      expect.objectContaining({
        id: 'tunnel',
        pass: false,
        adviceKey: 'unreachable',
        message: expect.stringMatching(/Nothing answered at https:\/\/social\.example\.com \(ECONNREFUSED\)/),
      }),
    ]);
  });

  it('a bad certificate on the name is that name’s certificate item, alone', async () => {
    const w = await start();
    const items = await w.check(withCertificates(frontTransport(w.front.url), DOMAIN));
    expect(items).toEqual([
      expect.objectContaining({ id: `certificate:${DOMAIN}`, pass: false, adviceKey: 'certificate', message: expect.stringMatching(/CERT_HAS_EXPIRED/) }),
    ]);
  });

  it('a valid certificate passes, with its end date', async () => {
    const w = await start();
    const items = await w.check(withCertificates(frontTransport(w.front.url)));
    expect(itemOf(items, `certificate:${DOMAIN}`)).toMatchObject({ pass: true, message: expect.stringContaining('valid until 2027-01-31') });
    expect(items.filter((i) => i.pass !== true)).toEqual([]);
  });

  it('a server without a tunnel is one item: local only, and what to do', async () => {
    const w = await start(null);
    const items = await w.check();
    expect(items).toEqual([
      expect.objectContaining({
        id: 'local-only',
        pass: false,
        adviceKey: 'local-only',
        message: expect.stringMatching(/only this computer can reach it: .*create a server with a tunnel/),
      }),
    ]);
    expect(w.front.requests).toEqual([]);
  });

  it('a server without an admin account checks what it can and says why the rest was not checked', async () => {
    world = await startWorld(recipe, { domain: DOMAIN, publicHost: DOMAIN, upstream });
    const items = await world.check();
    expect(failures(items)).toEqual([]);
    expect(itemOf(items, 'webfinger')).toMatchObject({
      pass: 'unknown',
      message: expect.stringMatching(/was not checked, because the server has no admin account\./),
    });
    expect(itemOf(items, 'nodeinfo-document').pass).toBe(true);
  });
});

describe('what the check says when the server answers wrongly', () => {
  it('names the WebFinger problem and the fix, and does not go on with what it could not find', async () => {
    world = await startWorld(mastodonRecipe, {
      domain: DOMAIN,
      admin: 'nobody',
      publicHost: DOMAIN,
      upstream: mastodonUpstream({ domain: DOMAIN, admin: 'owner' }),
    });
    const items = await world.check();
    expect(failures(items)).toEqual([{ id: 'webfinger', adviceKey: 'webfinger' }]);
    expect(itemOf(items, 'webfinger').message).toBe(
      'WebFinger for nobody@social.example.com answered HTTP 404 (Record not found) instead of 200: other servers cannot find the account; make sure the account nobody exists and the server has finished starting.',
    );
    expect(itemOf(items, 'actor')).toMatchObject({
      pass: 'unknown',
      message: 'The ActivityPub actor of nobody was not checked, because it needs what the webfinger item finds, and that did not pass.',
    });
    expect(itemOf(items, 'shared-inbox').pass).toBe('unknown');
  });

  it('a NodeInfo document of other software fails with what it says', async () => {
    world = await startWorld(misskeyRecipe, {
      domain: DOMAIN,
      admin: 'owner',
      publicHost: DOMAIN,
      upstream: mastodonUpstream({ domain: DOMAIN, admin: 'owner' }),
    });
    const items = await world.check();
    expect(itemOf(items, 'nodeinfo-document')).toMatchObject({
      pass: false,
      message: expect.stringMatching(/^The NodeInfo document of social\.example\.com says software\.name is mastodon instead of misskey: /),
    });
  });

  it('an actor served as a web page fails as not ActivityPub JSON', async () => {
    const up = mastodonUpstream({ domain: DOMAIN, admin: 'owner' });
    world = await startWorld(mastodonRecipe, {
      domain: DOMAIN,
      admin: 'owner',
      publicHost: DOMAIN,
      upstream: (r) => (r.path === '/users/owner' ? { status: 200, headers: { 'content-type': 'text/html' }, body: '<!doctype html><p>hi</p>' } : up(r)),
    });
    const items = await world.check();
    expect(itemOf(items, 'actor')).toMatchObject({
      pass: false,
      message: expect.stringMatching(/answered with a web page \(text\/html\) instead of ActivityPub JSON/),
    });
    expect(failures(items)).toEqual([{ id: 'actor', adviceKey: 'actor' }]);
  });

  it('an inbox that takes unsigned posts fails', async () => {
    const up = mastodonUpstream({ domain: DOMAIN, admin: 'owner' });
    world = await startWorld(mastodonRecipe, {
      domain: DOMAIN,
      admin: 'owner',
      publicHost: DOMAIN,
      upstream: (r) => (r.path === '/inbox' ? { status: 202, body: '' } : up(r)),
    });
    expect(failures(await world.check())).toEqual([{ id: 'shared-inbox', adviceKey: 'shared-inbox' }]);
  });

  it('an actor link to another server is not followed', async () => {
    const up = mastodonUpstream({ domain: DOMAIN, admin: 'owner' });
    world = await startWorld(mastodonRecipe, {
      domain: DOMAIN,
      admin: 'owner',
      publicHost: DOMAIN,
      upstream: (r) => {
        const a = up(r);
        return r.path === '/.well-known/webfinger' && a
          ? { ...a, body: String(a.body).replaceAll(`https://${DOMAIN}/users/owner`, 'https://elsewhere.example.org/users/owner') }
          : a;
      },
    });
    const items = await world.check();
    expect(itemOf(items, 'actor')).toMatchObject({
      pass: 'unknown',
      message: expect.stringMatching(/elsewhere\.example\.org is not one of this server's own names/),
    });
    expect(world.front.requests.every((r) => r.host === DOMAIN)).toBe(true);
  });

  it('never shows a secret of the instance or a credential in an answer', async () => {
    const probe = await startWorld(mastodonRecipe, {
      domain: DOMAIN,
      admin: 'owner',
      publicHost: DOMAIN,
      upstream: mastodonUpstream({ domain: DOMAIN, admin: 'owner' }),
    });
    await probe.close();
    const secret = probe.secrets.find((s) => s.length >= 16) as string;
    const up = mastodonUpstream({ domain: DOMAIN, admin: 'owner', summary: `my key is ${secret}` });
    const leak =
      '{"access_token":"abcdefghijklmnop1234","refresh_token":"zyxwvu98765"} Bearer abcdefghijklmnopqrstuvwxyz eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    world = await startWorld(mastodonRecipe, {
      domain: DOMAIN,
      admin: 'owner',
      publicHost: DOMAIN,
      upstream: (r) => (r.path === '/health' ? { status: 200, body: leak } : up(r)),
    });
    // the world made new secrets: put the earlier one among them, as the instance's own
    world.target.secrets.push(secret);
    const text = JSON.stringify(await world.check());
    expect(text).not.toContain(secret);
    for (const credential of ['abcdefghijklmnop1234', 'zyxwvu98765', 'abcdefghijklmnopqrstuvwxyz', 'c2lnbmF0dXJl']) expect(text).not.toContain(credential);
    expect(text).toContain('[redacted]');
  });
});

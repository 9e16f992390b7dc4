/**
 * The outside-in check of a Bluesky PDS through a Cloudflare-like front: the PDS's own answers on
 * its host, each account's DID document in the PLC directory the PDS is configured with, its
 * handle resolved over HTTPS, and the relay's view of it. Each fault turns exactly one item red:
 * a handle answering the wrong DID, a relay that does not know the repo, a handle's name pointing
 * elsewhere, a bad certificate on a handle, cached JSON, a clock that is off. A relay that does not
 * answer leaves its item unknown; requestCrawl asks the relay to crawl the PDS.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { frontTransport, requestCrawl, targetOf } from '../../../electron/core/check/index';
import { blueskyRecipe } from '../../../electron/core/stacks/bluesky/recipe';
import { plan } from '../../../electron/core/stacks/plan';
import { generateSecrets } from '../../../electron/core/stacks/secrets';
import { pdsUpstream, type Fault, type Upstream } from '../../stubs/cloudflare/front';
import { failures, itemOf, recordFor, startWorld, withCertificates, type World } from './world';

const DOMAIN = 'example.com';
const PDS = `pds.${DOMAIN}`;
const ALICE = { did: 'did:plc:ewvi7nxzyoun6zhxrhs64oiz', handle: `alice.${DOMAIN}` };
const BOB = { did: 'did:plc:bob4bob4bob4bob4bob4bob4', handle: `bob.${DOMAIN}` };
const SETTINGS = { admin_user: 'alice', admin_email: `alice@${DOMAIN}`, plc_url: 'https://plc.test', crawlers: 'https://relay.test' };
const upstream = pdsUpstream({ domain: DOMAIN, pdsHost: PDS, plcHost: 'plc.test', relayHost: 'relay.test', accounts: [ALICE, BOB] });

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const start = (o: { settings?: Record<string, string>; upstream?: Upstream } = {}) =>
  startWorld(blueskyRecipe, {
    domain: DOMAIN,
    admin: 'alice',
    publicHost: PDS,
    settings: { ...SETTINGS, ...o.settings },
    upstream: o.upstream ?? upstream,
  }).then((w) => (world = w));

const perAccount = (id: string) => [`${id}:${ALICE.did}`, `${id}:${BOB.did}`];

describe('the check of a Bluesky PDS', () => {
  it('passes every probe: health, describeServer, the repos, each DID document, handle and the relay’s view', async () => {
    const w = await start();
    const items = await w.check();
    expect(items.map((i) => i.id)).toEqual([
      'tunnel',
      'pds-health',
      'describe-server',
      'repos',
      ...perAccount('did-document'),
      ...perAccount('handle'),
      ...perAccount('relay'),
      'cloudflare-security',
      'dns',
      'cache',
      'clock',
      `certificate:${PDS}`,
      `certificate:${ALICE.handle}`,
      `certificate:${BOB.handle}`,
      'upload-limit',
    ]);
    expect(failures(items)).toEqual([]);
    expect(items.filter((i) => i.pass === 'unknown').every((i) => i.id.startsWith('certificate:'))).toBe(true);
    expect(itemOf(items, `handle:${ALICE.did}`)).toMatchObject({
      message: `The handle @${ALICE.handle} answers as expected.`,
      details: { request: { url: `https://${ALICE.handle}/.well-known/atproto-did`, as: 'atproto' }, bodyExcerpt: ALICE.did },
    });
    expect(itemOf(items, `did-document:${ALICE.did}`).details.request?.url).toBe(`https://plc.test/${ALICE.did}`);
    // only the instance's names, its PLC directory and its relay were asked
    expect(new Set(w.front.requests.map((r) => r.host))).toEqual(new Set([PDS, ALICE.handle, BOB.handle, 'plc.test', 'relay.test']));
    for (const r of w.front.requests) expect(r.headers.authorization).toBeUndefined();
  });

  const faults: [string, Fault, string, string][] = [
    [
      'a handle that returns the wrong DID',
      { kind: 'wrong-did', handle: ALICE.handle, did: 'did:plc:someoneelse2222222222222' },
      `handle:${ALICE.did}`,
      'handle',
    ],
    ['a relay that does not know the repo', { kind: 'relay-unknown-repo', relayHost: 'relay.test', did: BOB.did }, `relay:${BOB.did}`, 'relay-crawl'],
    ['a handle’s name pointing elsewhere', { kind: 'dns-elsewhere', host: BOB.handle }, 'dns', 'dns-elsewhere'],
    ['cached handle answers', { kind: 'cache-hit', path: /^\/\.well-known\/atproto-did$/ }, 'cache', 'cache-rule'],
    ['a clock 10 minutes off', { kind: 'clock-off', offsetMs: 10 * 60_000 }, 'clock', 'clock'],
    ['a WAF block on the repos list', { kind: 'waf-block', path: /listRepos/ }, 'cloudflare-security', 'waf-block'],
  ];
  it.each(faults)('%s turns exactly the right item red', async (_name, fault, id, adviceKey) => {
    const w = await start();
    w.front.inject(fault);
    const items = await w.check();
    expect(failures(items)).toEqual([{ id, adviceKey }]);
  });

  it('names the wrong DID and the fix', async () => {
    const w = await start();
    w.front.inject({ kind: 'wrong-did', handle: ALICE.handle, did: 'did:plc:someoneelse2222222222222' });
    expect(itemOf(await w.check(), `handle:${ALICE.did}`).message).toBe(
      `The handle @${ALICE.handle} answered "did:plc:someoneelse2222222222222" instead of ${ALICE.did}: the handle shows as invalid in the Bluesky app; make sure the wildcard name *.${DOMAIN} is routed to this PDS through the tunnel.`,
    );
  });

  it('a relay that does not know the repo says RepoNotFound and offers the crawl', async () => {
    const w = await start();
    w.front.inject({ kind: 'relay-unknown-repo', relayHost: 'relay.test' });
    const items = await w.check();
    expect(itemOf(items, `relay:${ALICE.did}`).message).toMatch(
      /answered HTTP 400 \(RepoNotFound\) instead of 200: nobody on Bluesky sees its posts until the relay crawls this PDS; ask the relay to crawl it/,
    );
  });

  it('a handle’s name pointing elsewhere leaves that handle not checked, the DNS item names it', async () => {
    const w = await start();
    w.front.inject({ kind: 'dns-elsewhere', host: BOB.handle });
    const items = await w.check();
    expect(itemOf(items, `handle:${BOB.did}`)).toMatchObject({
      pass: 'unknown',
      message: expect.stringMatching(/is answered by a server that is not Cloudflare \(see the DNS item\)/),
    });
    expect(itemOf(items, 'dns').message).toMatch(new RegExp(`^${BOB.handle.replace('.', '\\.')} is answered by a server that is not Cloudflare`));
  });

  it('a bad certificate on a handle’s name is that name’s certificate item', async () => {
    const w = await start();
    const items = await w.check(withCertificates(frontTransport(w.front.url), BOB.handle, 'ERR_TLS_CERT_ALTNAME_INVALID'));
    expect(failures(items)).toEqual([{ id: `certificate:${BOB.handle}`, adviceKey: 'certificate' }]);
    expect(itemOf(items, `handle:${BOB.did}`).pass).toBe('unknown');
    expect(itemOf(items, `certificate:${PDS}`).pass).toBe(true);
    expect(itemOf(items, `certificate:${BOB.handle}`).message).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID.*one level below it/);
  });

  it('a DID document pointing at another PDS fails, and the handle is then not checked', async () => {
    const w = await start({
      upstream: (r) => {
        const a = upstream(r);
        return r.host === 'plc.test' && a ? { ...a, body: String(a.body).replace(`https://${PDS}`, 'https://bsky.social') } : a;
      },
    });
    const items = await w.check();
    expect(failures(items).map((f) => f.id)).toEqual(perAccount('did-document'));
    expect(itemOf(items, `did-document:${ALICE.did}`).message).toMatch(
      /says service\[type=AtprotoPersonalDataServer\]\.serviceEndpoint is https:\/\/bsky\.social instead of https:\/\/pds\.example\.com: /,
    );
    expect(itemOf(items, `handle:${ALICE.did}`)).toMatchObject({ pass: 'unknown', message: expect.stringMatching(/did not find the account's handle/) });
  });

  it('a relay that does not answer leaves its items unknown, not failed', async () => {
    const w = await start({ settings: { crawlers: 'http://127.0.0.1:1' } });
    const items = await w.check();
    expect(failures(items)).toEqual([]);
    expect(itemOf(items, `relay:${ALICE.did}`)).toMatchObject({
      pass: 'unknown',
      message: expect.stringMatching(/was not checked, because 127\.0\.0\.1 did not answer \(ECONNREFUSED\)\./),
    });
  });

  it('no relay configured: the relay items say so', async () => {
    const w = await start({ settings: { crawlers: '' } });
    const items = await w.check();
    expect(failures(items)).toEqual([]);
    expect(itemOf(items, `relay:${ALICE.did}`)).toMatchObject({
      pass: 'unknown',
      adviceKey: 'no-relay',
      message: expect.stringMatching(/no relay is configured/),
    });
  });

  it('a PDS whose repos cannot be listed does not guess at accounts', async () => {
    const w = await start({ upstream: (r) => (r.path === '/xrpc/com.atproto.sync.listRepos' ? { status: 500, body: '' } : upstream(r)) });
    const items = await w.check();
    expect(failures(items)).toEqual([{ id: 'repos', adviceKey: 'repos' }]);
    expect(itemOf(items, 'handle')).toMatchObject({
      pass: 'unknown',
      message: "No account's handle item was checked, because it needs the list of accounts, which the repos item did not give.",
    });
  });
});

describe('requestCrawl', () => {
  it('asks each configured relay to crawl the PDS by its public name', async () => {
    const w = await start();
    const answers = await requestCrawl(w.target, { transport: frontTransport(w.front.url) });
    expect(answers).toEqual([{ relay: 'https://relay.test', ok: true, message: `https://relay.test will crawl ${PDS}.` }]);
    const post = w.front.requests.find((r) => r.method === 'POST');
    expect(post).toMatchObject({ host: 'relay.test', path: '/xrpc/com.atproto.sync.requestCrawl' });
    expect(JSON.parse(post?.body ?? '')).toEqual({ hostname: PDS });
  });

  it('says which relay did not answer, and refuses a server without relays', async () => {
    const w = await start({ settings: { crawlers: 'http://127.0.0.1:1' } });
    expect(await requestCrawl(w.target, { transport: frontTransport(w.front.url), timeoutMs: 2_000 })).toEqual([
      { relay: 'http://127.0.0.1:1', ok: false, message: 'http://127.0.0.1:1 did not answer (ECONNREFUSED); try again later.' },
    ]);
    await expect(requestCrawl({ ...w.target, relays: [] })).rejects.toThrow(/has no relays configured/);
  });
});

describe('the PDS check target', () => {
  it('takes the PLC directory and relays from the plan, so --set overrides count', () => {
    const secrets = generateSecrets(blueskyRecipe, {});
    const overrides = [
      { service: 'pds', key: 'PDS_DID_PLC_URL', value: 'http://plc:2582' },
      { service: 'pds', key: 'PDS_CRAWLERS', value: 'https://a.test, https://b.test' },
    ];
    const p = plan(blueskyRecipe, { instance: 'home', domain: DOMAIN, secrets, settings: SETTINGS, overrides });
    const record = recordFor(blueskyRecipe, { name: 'home', domain: DOMAIN, admin: 'alice', publicHost: PDS });
    const t = targetOf(record, p, blueskyRecipe.check);
    expect(t).toMatchObject({
      publicHost: PDS,
      healthPath: '/xrpc/_health',
      names: [PDS, `*.${DOMAIN}`],
      plcUrl: 'http://plc:2582',
      relays: ['https://a.test', 'https://b.test'],
      admin: 'alice',
    });
    expect(targetOf(record, p, blueskyRecipe.check, { plcUrl: 'http://127.0.0.1:9', relayUrl: 'http://127.0.0.1:8' })).toMatchObject({
      plcUrl: 'http://127.0.0.1:9',
      relays: ['http://127.0.0.1:8'],
    });
    expect(t.secrets).toEqual(expect.arrayContaining(Object.values(secrets).filter((v) => v.length >= 4)));
  });
});

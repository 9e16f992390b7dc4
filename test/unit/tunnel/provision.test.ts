import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngawaError } from '../../../electron/core/util/errors';
import type { Progress } from '../../../electron/core/util/progress';
import { CloudflareApi } from '../../../electron/core/tunnel/api';
import { buildIngress } from '../../../electron/core/tunnel/ingress';
import { preflight, provision, teardown, type ApiTunnel } from '../../../electron/core/tunnel/provision';
import { plan } from '../../../electron/core/stacks/plan';
import { generateSecrets } from '../../../electron/core/stacks/secrets';
import { blueskyRecipe } from '../../../electron/core/stacks/bluesky/recipe';
import { FakeCloudflare } from '../../stubs/cloudflare/fake-api';

const pdsPlan = plan(blueskyRecipe, { instance: 'pds', domain: 'example.com', secrets: generateSecrets(blueskyRecipe, {}) });
const config = buildIngress(pdsPlan);
const HOSTS = ['pds.example.com', '*.example.com'];

let fake: FakeCloudflare;
let token: string;
let saved: ApiTunnel[];
let steps: Progress[];

beforeEach(async () => {
  fake = await FakeCloudflare.start();
  token = fake.addToken();
  fake.addZone('example.com');
  saved = [];
  steps = [];
});
afterEach(() => fake.close());

const api = (t = token) => new CloudflareApi(t, { apiUrl: fake.url, timeoutMs: 1000, sleep: async () => {} });
const ctx = () => ({ api: api(), save: async (t: ApiTunnel) => void saved.push(t), onProgress: (p: Progress) => void steps.push(p) });
const check = (over: Partial<Parameters<typeof preflight>[1]> = {}, t = token) =>
  preflight(api(t), { zone: 'example.com', hostnames: HOSTS, publicHost: 'pds.example.com', tunnelName: 'engawa-pds-abc123', protocol: 'auto', ...over });

async function failure(p: Promise<unknown>): Promise<EngawaError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EngawaError);
  return e as EngawaError;
}

/** Everything on the fake that Engawa could have made or changed. */
const state = () => JSON.stringify({ tunnels: fake.tunnels, dns: fake.dns });

describe('provisioning', () => {
  it('creates the tunnel, its ingress and proxied CNAMEs tagged as ours, and returns the connector token', async () => {
    const start = await check();
    expect(start).toMatchObject({ mode: 'api', zone: { name: 'example.com' }, accountId: fake.account.id, hostnames: HOSTS, dnsRecords: [] });
    const { tunnel, connectorToken } = await provision(start, config, ctx());

    const [t] = fake.liveTunnels();
    expect(t).toMatchObject({ name: 'engawa-pds-abc123', remote_config: true, id: tunnel.tunnelId });
    expect(t!.config).toEqual(config);
    expect(fake.dns.map((r) => ({ name: r.name, type: r.type, content: r.content, proxied: r.proxied }))).toEqual(
      HOSTS.map((name) => ({ name, type: 'CNAME', content: `${t!.id}.cfargotunnel.com`, proxied: true })),
    );
    expect(fake.dns.every((r) => r.comment === 'managed by Engawa (tunnel engawa-pds-abc123)')).toBe(true);
    expect(tunnel.dnsRecords.map((r) => r.id).sort()).toEqual(fake.dns.map((r) => r.id).sort());
    expect(JSON.parse(Buffer.from(connectorToken, 'base64').toString())).toMatchObject({ t: t!.id, a: fake.account.id });
    // progress was saved step by step, and no saved record holds a token
    expect(saved.at(-1)).toEqual(tunnel);
    expect(JSON.stringify(saved)).not.toContain(connectorToken);
    expect(JSON.stringify(saved)).not.toContain(token);
    expect(steps.filter((s) => s.kind === 'step' && s.state === 'done')).toHaveLength(5);
  });

  it('running it again changes nothing', async () => {
    const first = await provision(await check(), config, ctx());
    const before = state();
    const changesBefore = fake.changes().length;
    const again = await provision(first.tunnel, config, ctx());
    expect(fake.changes()).toHaveLength(changesBefore);
    expect(state()).toBe(before);
    expect(again.tunnel).toEqual(first.tunnel);
  });

  it('a failure mid-way resumes from the saved progress, with no duplicates', async () => {
    // the first record is made, the second fails
    fake.inject({ method: 'POST', path: /dns_records$/, status: 500, skip: 1 });
    const start = await check();
    const e = await failure(provision(start, config, ctx()));
    expect(e.code).toBe('OFFLINE');
    expect(fake.liveTunnels()).toHaveLength(1);
    expect(fake.dns).toHaveLength(1);
    expect(saved.at(-1)!.dnsRecords).toHaveLength(1);
    const resumed = await provision(saved.at(-1) ?? start, config, ctx());
    expect(fake.liveTunnels()).toHaveLength(1);
    expect(fake.dns).toHaveLength(2);
    expect(resumed.tunnel.dnsRecords).toHaveLength(2);
  });

  it('a record created just before an interruption (id never saved) is adopted, not duplicated', async () => {
    const first = await provision(await check(), config, ctx());
    const lost: ApiTunnel = { ...first.tunnel, dnsRecords: first.tunnel.dnsRecords.slice(0, 1) };
    const again = await provision(lost, config, ctx());
    expect(fake.dns).toHaveLength(2);
    expect(again.tunnel.dnsRecords).toHaveLength(2);
  });

  it('puts back a record of ours that was changed, and re-sets changed routes', async () => {
    const first = await provision(await check(), config, ctx());
    fake.dns[0]!.proxied = false;
    fake.dns[0]!.content = 'elsewhere.example.net';
    fake.liveTunnels()[0]!.config = { ingress: [{ service: 'http_status:404' }] };
    await provision(first.tunnel, config, ctx());
    expect(fake.dns[0]).toMatchObject({ proxied: true, content: `${first.tunnel.tunnelId}.cfargotunnel.com` });
    expect(fake.liveTunnels()[0]!.config).toEqual(config);
  });

  it('teardown deletes the tunnel and only our records; running it again is fine', async () => {
    const foreign = fake.addDnsRecord('example.com', { type: 'A', name: 'www.example.com', content: '192.0.2.1' });
    const { tunnel } = await provision(await check(), config, ctx());
    fake.connect(tunnel.tunnelId!);
    await teardown(tunnel, ctx());
    expect(fake.liveTunnels()).toEqual([]);
    expect(fake.dns).toEqual([foreign]);
    const last = saved.at(-1)!;
    expect(last.tunnelId).toBeUndefined();
    expect(last.dnsRecords).toEqual([]);
    await teardown(last, ctx());
    expect(fake.dns).toEqual([foreign]);
  });

  it('teardown after a create that stopped before saving the tunnel id still finds it by name', async () => {
    const start = await check();
    await provision(start, config, ctx());
    await teardown(start, ctx()); // the record as first saved: no tunnel id, no record ids
    expect(fake.liveTunnels()).toEqual([]);
    expect(fake.dns).toEqual([]);
  });
});

describe('preflight: bad input gives a clear message and changes nothing', () => {
  /** name, what exists beforehand, the call, the message, the code */
  const cases: [string, () => unknown, () => Promise<unknown>, RegExp, string][] = [
    ['a wrong token', () => undefined, () => check({}, 'wrong-token-value'), /did not accept the API token/, 'INVALID_INPUT'],
    ['a token without Cloudflare Tunnel', () => undefined, () => check({}, fake.addToken(['dns', 'zone'])), /Cloudflare Tunnel → Edit/, 'INVALID_INPUT'],
    ['a token without DNS', () => undefined, () => check({}, fake.addToken(['tunnel', 'zone'])), /DNS → Edit/, 'INVALID_INPUT'],
    ['a token without Zone Read', () => undefined, () => check({}, fake.addToken(['tunnel', 'dns'])), /Zone → Zone → Read/, 'INVALID_INPUT'],
    ['an unknown zone', () => undefined, () => check({ zone: 'nothere.example' }), /has no domain "nothere.example"/, 'NOT_FOUND'],
    [
      'a pending zone',
      () => fake.addZone('pending.example', 'pending'),
      () => check({ zone: 'pending.example', hostnames: ['pending.example'] }),
      /name servers to ada\.ns\.cloudflare\.com and bob\.ns\.cloudflare\.com/,
      'STATE',
    ],
    [
      'a hostname outside the zone',
      () => undefined,
      () => check({ hostnames: ['social.other.example'] }),
      /is not part of your Cloudflare domain example\.com/,
      'INVALID_INPUT',
    ],
    ['a hostname too deep for the free certificate', () => undefined, () => check({ hostnames: ['a.b.example.com'] }), /one level below it/, 'INVALID_INPUT'],
    ['a wildcard too deep for the free certificate', () => undefined, () => check({ hostnames: ['*.pds.example.com'] }), /one level below it/, 'INVALID_INPUT'],
    [
      'a hostname used by a foreign record',
      () => fake.addDnsRecord('example.com', { type: 'CNAME', name: 'pds.example.com', content: 'old.host.example' }),
      () => check(),
      /pds\.example\.com already has a DNS record Engawa did not create \(CNAME → old\.host\.example\)/,
      'NAME_TAKEN',
    ],
    [
      'Cloudflare unreachable',
      () => fake.inject({ path: /tokens\/verify/, hang: true }),
      () =>
        preflight(new CloudflareApi(token, { apiUrl: fake.url, timeoutMs: 150 }), {
          zone: 'example.com',
          hostnames: HOSTS,
          publicHost: 'pds.example.com',
          tunnelName: 'n',
          protocol: 'auto',
        }),
      /did not answer in time/,
      'OFFLINE',
    ],
  ];
  it.each(cases)('%s', async (_name, setup, run, message, code) => {
    setup();
    const before = state();
    const e = await failure(run());
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(fake.changes()).toEqual([]);
    expect(state()).toBe(before);
  });

  it('provisioning itself refuses to replace a foreign record that appeared after the check', async () => {
    const start = await check();
    const foreign = fake.addDnsRecord('example.com', { type: 'AAAA', name: '*.example.com', content: '2001:db8::1' });
    const e = await failure(provision(start, config, ctx()));
    expect(e.code).toBe('NAME_TAKEN');
    expect(fake.dns.find((r) => r.id === foreign.id)).toEqual(foreign);
  });
});

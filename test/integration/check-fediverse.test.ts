/**
 * `engawa check` of Mastodon and Misskey on the real engine, on the stand-ins for their images
 * (scripts/test-images/standin: they answer host-meta, WebFinger, NodeInfo, the actor and the
 * shared inbox in upstream's shapes, for the account the recipe made) with the real local
 * PostgreSQL and Redis. Every https:// request of the check goes to a Cloudflare-like front
 * (test/stubs/cloudflare/front.ts, ENGAWA_CHECK_FRONT_URL) forwarding to the loopback edge
 * (test/stubs/cloudflare/edge.ts), which routes it with matchIngress through the ingress Engawa
 * generates for the instance to its published web port. A healthy server passes every probe of its
 * stack (exit 0); then the front injects one fault at a time, each what a real zone does wrong (a
 * challenge for fediverse User-Agents only, a WAF block, cached actor JSON, the name answered by
 * another server, a clock 10 minutes off, the tunnel down), and exactly the expected items turn red
 * with their advice (exit 1). No output ever carries a secret of the instance.
 *
 * Each server is created once, without a tunnel (no connector to run here); the test then gives its
 * record a token-mode tunnel for the domain, as if one had been made in Cloudflare's dashboard, and
 * puts the record back before destroying the server.
 * Images: `bash scripts/build-test-images.sh`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckItem, CheckResult } from '../../electron/core/check/index';
import { secretFile } from '../../electron/core/instances/home';
import { InstanceManager } from '../../electron/core/instances/manager';
import { FileSecretStore } from '../../electron/core/instances/secret-store';
import type { InstanceRecord } from '../../electron/core/instances/types';
import { MASTODON_VERSION, mastodonRecipe } from '../../electron/core/stacks/mastodon/recipe';
import { MISSKEY_VERSION, misskeyRecipe } from '../../electron/core/stacks/misskey/recipe';
import { getRecipe, listRecipes } from '../../electron/core/stacks/registry';
import { buildIngress } from '../../electron/core/tunnel/ingress';
import { publishedPorts, startEdge, type Edge } from '../stubs/cloudflare/edge';
import { startFront, type Fault, type Front } from '../stubs/cloudflare/front';
import { cli, type CliResult, docker, getWithHost, labelled, standinImageMap, tempHome, uniqueName } from './helpers';

const PROBES = ['host-meta', 'webfinger', 'nodeinfo', 'nodeinfo-document', 'actor', 'shared-inbox'];

interface Server {
  stack: 'mastodon' | 'misskey';
  domain: string;
  admin: string;
  /** the actor's path: Mastodon names the account, Misskey its id (what the stand-in's accounts/create gave) */
  actorPath: string;
  /** what NodeInfo names */
  software: { name: string; version: string };
  env: Record<string, string>;
  createArgs: (home: string) => Promise<string[]>;
  name: string;
  // set up in beforeAll
  home?: { dir: string; cleanup: () => Promise<void> };
  originalRecord?: string;
  originalSecrets?: string;
  edge?: Edge;
  front?: Front;
}

const SERVERS: Server[] = [
  {
    stack: 'mastodon',
    domain: 'social.example.com',
    admin: 'owner',
    actorPath: '/users/owner',
    software: { name: 'mastodon', version: MASTODON_VERSION.replace(/^v/, '') },
    env: { ENGAWA_IMAGES: JSON.stringify(standinImageMap(mastodonRecipe, 'local/standin-mastodon:1')) },
    createArgs: () => Promise.resolve(['--admin-user', 'owner', '--admin-email', 'owner@example.com']),
    name: uniqueName('chkm'),
  },
  {
    stack: 'misskey',
    domain: 'notes.example.net',
    admin: 'hanako',
    actorPath: '/users/standin1',
    software: { name: 'misskey', version: MISSKEY_VERSION },
    env: { ENGAWA_IMAGES: JSON.stringify(standinImageMap(misskeyRecipe, 'local/standin-misskey:1')) },
    createArgs: async (home) => {
      const file = path.join(home, 'admin-password');
      await writeFile(file, 'correct horse battery staple\n', { mode: 0o600 });
      // PostgreSQL 18's layout on the local 15 image (see mastodon-misskey.test.ts)
      return [
        '--admin-user',
        'hanako',
        '--admin-email',
        'hanako@example.net',
        '--admin-password-file',
        file,
        '--set',
        'db.PGDATA=/var/lib/postgresql/18/docker',
      ];
    },
    name: uniqueName('chkk'),
  },
];

const homeOf = (s: Server): string => s.home!.dir;
const run = (s: Server, args: string[], env: Record<string, string> = {}): Promise<CliResult> => cli(homeOf(s), args, { ...s.env, ...env });
const recordFile = (s: Server): string => path.join(homeOf(s), 'instances', `${s.name}.json`);

function manager(s: Server): InstanceManager {
  const recipes = { get: (id: string) => getRecipe(id), list: () => listRecipes() };
  return new InstanceManager({ home: homeOf(s), engine: () => Promise.reject(new Error('not needed')), secrets: new FileSecretStore(homeOf(s)), recipes });
}

/** Creates the server, gives its record a token-mode tunnel for its domain, and starts the edge and the front. */
async function setUp(s: Server): Promise<void> {
  s.home = await tempHome();
  const created = await run(s, ['create', s.stack, '--name', s.name, '--domain', s.domain, ...(await s.createArgs(homeOf(s)))]);
  if (created.code !== 0) throw new Error(`create ${s.stack}: ${created.stderr}`);
  const originalRecord = await readFile(recordFile(s), 'utf8');
  const originalSecrets = await readFile(secretFile(homeOf(s), s.name), 'utf8');
  s.originalRecord = originalRecord;
  s.originalSecrets = originalSecrets;
  const record = JSON.parse(originalRecord) as InstanceRecord;
  record.tunnel = { mode: 'token', protocol: 'auto', publicHost: s.domain, tunnelId: '0c0ffee0-0000-4000-8000-00000000fed1' };
  await writeFile(recordFile(s), JSON.stringify(record, null, 2));
  const token = Buffer.from(JSON.stringify({ a: 'account', t: record.tunnel.tunnelId, s: 'ZmVkaXZlcnNlZmVkaXZlcnNlZmVkaXZlcnNl' })).toString('base64');
  await writeFile(secretFile(homeOf(s), s.name), JSON.stringify({ ...(JSON.parse(originalSecrets) as Record<string, string>), tunnel_token: token }));
  const m = manager(s);
  const plan = await m.planFor(s.name);
  const { ingress } = buildIngress(plan);
  s.edge = await startEdge({ rules: () => ingress, resolve: publishedPorts(plan, (await m.get(s.name)).ports) });
  s.front = await startFront({ upstream: { forward: s.edge.url } });
}

async function tearDown(s: Server): Promise<void> {
  await s.front?.close();
  await s.edge?.close();
  if (s.home === undefined) return;
  if (s.originalRecord !== undefined && s.originalSecrets !== undefined) {
    await writeFile(recordFile(s), s.originalRecord).catch(() => undefined);
    await writeFile(secretFile(homeOf(s), s.name), s.originalSecrets).catch(() => undefined);
  }
  await run(s, ['destroy', s.name, '--yes']).catch(() => undefined);
  await s.home.cleanup();
}

beforeAll(async () => {
  docker();
  // both at once: each has its own home, project and ports
  const results = await Promise.allSettled(SERVERS.map(setUp));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}, 480_000);

afterAll(async () => {
  await Promise.all(SERVERS.map((s) => tearDown(s).catch(() => undefined)));
  for (const s of SERVERS) expect(await labelled(`engawa-${s.name}`)).toEqual({ containers: [], volumes: [], networks: [] });
}, 240_000);

/** Every secret the instance keeps (the tunnel token the test gave it included). */
async function expectNoSecrets(s: Server, r: CliResult): Promise<void> {
  const kept = JSON.parse(await readFile(secretFile(homeOf(s), s.name), 'utf8')) as Record<string, string>;
  const secrets = Object.values(kept).filter((v) => v.length >= 8);
  expect(secrets.length).toBeGreaterThan(3);
  for (const secret of secrets) {
    expect(r.stdout).not.toContain(secret);
    expect(r.stderr).not.toContain(secret);
  }
}

/** `engawa check NAME --json` through the front: its exit code and result, with no secret in the output. */
async function check(s: Server): Promise<{ code: number; result: CheckResult; byId: Map<string, CheckItem> }> {
  const r = await run(s, ['check', s.name, '--json'], { ENGAWA_CHECK_FRONT_URL: s.front!.url });
  await expectNoSecrets(s, r);
  const result = r.json() as CheckResult;
  return { code: r.code, result, byId: new Map(result.items.map((i) => [i.id, i])) };
}

const failures = (items: CheckItem[]): { id: string; adviceKey: string }[] =>
  items.filter((i) => i.pass === false).map((i) => ({ id: i.id, adviceKey: i.adviceKey }));

describe.each(SERVERS)('engawa check of $stack on its stand-in, through the front and the loopback edge', (s) => {
  it('answers the federation endpoints in upstream’s shapes, through the edge', async () => {
    const edge = s.edge!.url;
    const finger = await getWithHost(`${edge}/.well-known/webfinger?resource=acct:${s.admin}@${s.domain}`, s.domain);
    expect(finger.status).toBe(200);
    expect(JSON.parse(finger.body)).toMatchObject({
      subject: `acct:${s.admin}@${s.domain}`,
      links: expect.arrayContaining([{ rel: 'self', type: 'application/activity+json', href: `https://${s.domain}${s.actorPath}` }]),
    });
    // nobody else is known, as upstream answers: an empty 404
    expect(await getWithHost(`${edge}/.well-known/webfinger?resource=acct:nobody@${s.domain}`, s.domain)).toEqual({ status: 404, body: '' });
    // a browser asking for the actor is sent to the profile page
    const browser = await getWithHost(`${edge}${s.actorPath}`, s.domain);
    expect(browser.status).toBe(s.stack === 'mastodon' ? 301 : 302);
  });

  it('a healthy server passes every probe of its stack (exit 0)', async () => {
    s.front!.inject(null);
    const { code, result, byId } = await check(s);
    expect(code, JSON.stringify(failures(result.items))).toBe(0);
    expect(result).toMatchObject({ instance: s.name, stack: s.stack, publicUrl: `https://${s.domain}`, ok: true, counts: { failed: 0 } });
    const cross = ['fediverse-agent', 'cloudflare-security', 'dns', 'cache', 'clock', `certificate:${s.domain}`, 'upload-limit'];
    expect(result.items.map((i) => i.id)).toEqual(['tunnel', ...PROBES, ...cross]);
    // The one item this world cannot provide: the certificate, since the check reaches the front
    // over plain HTTP on 127.0.0.1 (there is no TLS to see); it is "not checked" and says why.
    const untestable = `certificate:${s.domain}`;
    for (const i of result.items.filter((x) => x.kind === 'check' && x.id !== untestable)) expect(i.pass, `${i.id}: ${i.message}`).toBe(true);
    expect(byId.get(untestable)).toMatchObject({ pass: 'unknown', message: expect.stringMatching(/over plain HTTP/) });
    expect(byId.get('upload-limit')).toMatchObject({ kind: 'note', pass: true });
    // what the stand-in answered: its software and the release the recipe pins, the actor by its URL, the inbox's 401
    expect(byId.get('nodeinfo-document')?.details.bodyExcerpt).toContain(`"software":{"name":"${s.software.name}","version":"${s.software.version}"`);
    expect(byId.get('actor')?.details).toMatchObject({
      request: { method: 'GET', url: `https://${s.domain}${s.actorPath}` },
      status: 200,
      contentType: expect.stringMatching(/^application\/activity\+json/),
    });
    expect(byId.get('shared-inbox')?.details).toMatchObject({ request: { method: 'POST', url: `https://${s.domain}/inbox` }, status: 401 });
  });

  const actor = (): RegExp => new RegExp(`^${s.actorPath}$`);
  const faults: [string, () => Fault, { id: string; adviceKey: string }][] = [
    [
      'a challenge for fediverse User-Agents only (Bot Fight Mode)',
      () => ({ kind: 'challenge-fediverse' }),
      { id: 'fediverse-agent', adviceKey: 'bot-fight-mode' },
    ],
    ['a 403 WAF block', () => ({ kind: 'waf-block' }), { id: 'cloudflare-security', adviceKey: 'waf-block' }],
    ['cached actor JSON (cf-cache-status: HIT)', () => ({ kind: 'cache-hit', path: actor() }), { id: 'cache', adviceKey: 'cache-rule' }],
    ['the name answered by a server that is not Cloudflare', () => ({ kind: 'dns-elsewhere', host: s.domain }), { id: 'dns', adviceKey: 'dns-elsewhere' }],
    ['a clock 10 minutes off', () => ({ kind: 'clock-off', offsetMs: 10 * 60_000 }), { id: 'clock', adviceKey: 'clock' }],
    ['the tunnel down (530, error 1033)', () => ({ kind: 'tunnel-down' }), { id: 'tunnel', adviceKey: 'tunnel-down' }],
  ];
  it.each(faults)('%s turns exactly its item red (exit 1), nothing else', async (_what, fault, expected) => {
    s.front!.inject(fault());
    try {
      const { code, result } = await check(s);
      expect(code).toBe(1);
      // the healthy run failed nothing: the failed items are exactly the fault's
      expect(failures(result.items)).toEqual([expected]);
      expect(result.counts.failed).toBe(1);
      if (expected.id === 'dns' || expected.id === 'tunnel') expect(result.items).toHaveLength(1);
    } finally {
      s.front!.inject(null);
    }
  });

  it('after the faults are gone it passes again (exit 0)', async () => {
    const { code, result } = await check(s);
    expect(code, JSON.stringify(failures(result.items))).toBe(0);
  });
});

/**
 * `engawa check` of a real Bluesky PDS on the real engine, reached as the internet would reach it:
 * every https:// request of the check goes to the loopback edge (test/stubs/cloudflare/edge.ts,
 * ENGAWA_CHECK_FRONT_URL), which routes it with matchIngress through the ingress Engawa generates
 * for the instance to the PDS's published port — the PDS host and each handle's name alike. The
 * PDS is set up as in pds.test.ts (the instance network made by the test, an in-memory PLC
 * directory on it as `plc`, OFFLINE settings, the owner's account created); the check reads the
 * account's DID document from that PLC directory (ENGAWA_CHECK_PLC_URL, its port on 127.0.0.1)
 * and asks a small relay stand-in (ENGAWA_CHECK_RELAY_URL) that learns the PDS's repos only when
 * asked to crawl it, by listing them through the edge as a relay would.
 *
 * Then a Cloudflare-like front (test/stubs/cloudflare/front.ts) goes before the edge and injects one
 * fault at a time (a handle answering the wrong DID, a clock 10 minutes off, cached JSON, a name
 * answered elsewhere, a WAF block, the tunnel down): each turns exactly its own item red.
 *
 * The server was created without a tunnel (no connector to run here); the test then gives its
 * record a token-mode tunnel for the PDS host, as if one had been made in Cloudflare's dashboard,
 * and puts the record back before destroying the server.
 * Images: `bash scripts/build-test-images.sh`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTargetOf, frontTransport, requestCrawl, type CheckResult } from '../../electron/core/check/index';
import { secretFile } from '../../electron/core/instances/home';
import { InstanceManager } from '../../electron/core/instances/manager';
import { FileSecretStore } from '../../electron/core/instances/secret-store';
import type { InstanceRecord } from '../../electron/core/instances/types';
import { getRecipe, listRecipes } from '../../electron/core/stacks/registry';
import { buildIngress } from '../../electron/core/tunnel/ingress';
import { publishedPorts, startEdge, type Edge } from '../stubs/cloudflare/edge';
import { startFront, type Fault } from '../stubs/cloudflare/front';
import { cli, docker, labelled, tempHome, uniqueName, type CliResult } from './helpers';
import { OFFLINE, PDS_IMAGES, requirePdsImages, startPlc, type Plc } from './pds-world';

const DOMAIN = 'example.com';
const PDS_HOST = `pds.${DOMAIN}`;
const OWNER = `alice.${DOMAIN}`;
const name = uniqueName('chk');
const project = `engawa-${name}`;
const network = `${project}_default`;

let home: { dir: string; cleanup: () => Promise<void> };
let d: Dockerode;
let plc: Plc;
let edge: Edge | undefined;
let relay: Relay | undefined;
let originalRecord = '';
let originalSecrets = '';
let ownerPassword = '';
let did = '';

const recordFile = () => path.join(home.dir, 'instances', `${name}.json`);

/** The check's test hooks: the edge for the internet, the PLC directory and the relay on 127.0.0.1. */
const hooks = (): Record<string, string> => ({
  ENGAWA_CHECK_FRONT_URL: edge!.url,
  ENGAWA_CHECK_PLC_URL: `http://127.0.0.1:${plc.port}`,
  ENGAWA_CHECK_RELAY_URL: relay!.url,
});

const run = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  cli(home.dir, args, { ENGAWA_IMAGES: JSON.stringify(PDS_IMAGES), ...env });

/**
 * A relay stand-in on 127.0.0.1: getRepoStatus knows only the repos it has crawled; requestCrawl
 * makes it list the PDS's repos at https://<hostname> through the edge, as a relay would.
 */
interface Relay {
  url: string;
  crawled: Set<string>;
  close(): Promise<void>;
}

async function startRelay(): Promise<Relay> {
  const crawled = new Set<string>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://relay');
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/xrpc/com.atproto.sync.getRepoStatus') {
      const repo = url.searchParams.get('did') ?? '';
      return crawled.has(repo)
        ? answer(200, { did: repo, active: true })
        : answer(400, { error: 'RepoNotFound', message: `Could not find repo for DID: ${repo}` });
    }
    if (url.pathname === '/xrpc/com.atproto.sync.requestCrawl' && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const { hostname } = JSON.parse(body) as { hostname: string };
        const u = new URL(edge!.url);
        http
          .get({ host: u.hostname, port: u.port, path: '/xrpc/com.atproto.sync.listRepos', headers: { host: hostname } }, (up) => {
            let listed = '';
            up.on('data', (c: Buffer) => (listed += c.toString()));
            up.on('end', () => {
              for (const r of (JSON.parse(listed) as { repos: { did: string }[] }).repos) crawled.add(r.did);
              answer(200, {});
            });
          })
          .on('error', () => answer(502, { error: 'UpstreamFailure' }));
      });
      return;
    }
    answer(404, { error: 'MethodNotImplemented' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    crawled,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function manager(): InstanceManager {
  const recipes = { get: (id: string) => getRecipe(id), list: () => listRecipes() };
  return new InstanceManager({ home: home.dir, engine: () => Promise.reject(new Error('not needed')), secrets: new FileSecretStore(home.dir), recipes });
}

beforeAll(async () => {
  d = docker();
  await requirePdsImages(d);
  home = await tempHome();
  await d.createNetwork({ Name: network });
  plc = await startPlc(d, network, project);
  relay = await startRelay();
});

afterAll(async () => {
  await edge?.close();
  await relay?.close();
  if (d === undefined) return;
  if (originalRecord !== '') {
    await writeFile(recordFile(), originalRecord).catch(() => undefined);
    await writeFile(secretFile(home.dir, name), originalSecrets).catch(() => undefined);
  }
  await run(['destroy', name, '--yes']).catch(() => undefined);
  await plc?.remove().catch(() => undefined);
  await d
    .getNetwork(network)
    .remove()
    .catch(() => undefined);
  await home?.cleanup();
});

/** Every secret the instance keeps, and the owner's password shown once at create. */
async function secretValues(): Promise<string[]> {
  const kept = JSON.parse(await readFile(secretFile(home.dir, name), 'utf8')) as Record<string, string>;
  return [...Object.values(kept), ownerPassword].filter((v) => v.length >= 8);
}

async function expectNoSecrets(r: CliResult): Promise<void> {
  for (const secret of await secretValues()) {
    expect(r.stdout).not.toContain(secret);
    expect(r.stderr).not.toContain(secret);
  }
}

describe('engawa check of a real PDS through the loopback edge', () => {
  it('creates the PDS with the owner’s account, and gives it a tunnel for pds.example.com', async () => {
    const r = await run(['create', 'bluesky', '--name', name, '--domain', DOMAIN, '--admin-user', 'alice', '--admin-email', `alice@${DOMAIN}`, ...OFFLINE]);
    expect(r.code, r.stderr).toBe(0);
    ownerPassword = /password \(shown once, keep it safe\): (\S+)/i.exec(r.stderr)?.[1] ?? '';
    expect(ownerPassword).not.toBe('');
    const accounts = (await run(['pds', 'accounts', name, '--json'])).json() as { handle: string; did: string }[];
    expect(accounts).toEqual([expect.objectContaining({ handle: OWNER })]);
    did = accounts[0]?.did as string;

    // without a tunnel the check says so, in one item, and asks nobody
    const local = await run(['check', name, '--json']);
    expect(local.code).toBe(1);
    expect((local.json() as CheckResult).items).toEqual([expect.objectContaining({ id: 'local-only', pass: false })]);

    originalRecord = await readFile(recordFile(), 'utf8');
    originalSecrets = await readFile(secretFile(home.dir, name), 'utf8');
    const record = JSON.parse(originalRecord) as InstanceRecord;
    record.tunnel = { mode: 'token', protocol: 'auto', publicHost: PDS_HOST, tunnelId: '0c0ffee0-0000-4000-8000-00000000c0de' };
    await writeFile(recordFile(), JSON.stringify(record, null, 2));
    const token = Buffer.from(JSON.stringify({ a: 'account', t: record.tunnel.tunnelId, s: 'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0' })).toString('base64');
    await writeFile(secretFile(home.dir, name), JSON.stringify({ ...(JSON.parse(originalSecrets) as Record<string, string>), tunnel_token: token }));

    const m = manager();
    const plan = await m.planFor(name);
    const { ingress } = buildIngress(plan);
    edge = await startEdge({ rules: () => ingress, resolve: publishedPorts(plan, (await m.get(name)).ports) });
  });

  it('fails only the relay’s view before the relay has crawled the PDS (exit 1), everything else passing', async () => {
    const r = await run(['check', name, '--json'], hooks());
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const result = r.json() as CheckResult;
    expect(result).toMatchObject({ version: 1, instance: name, stack: 'bluesky', publicUrl: `https://${PDS_HOST}`, ok: false, counts: { failed: 1 } });
    expect(result.items.filter((i) => i.pass === false)).toEqual([
      expect.objectContaining({
        id: `relay:${did}`,
        adviceKey: 'relay-crawl',
        message: expect.stringMatching(/HTTP 400 \(RepoNotFound\).*ask the relay to crawl it/),
      }),
    ]);
    await expectNoSecrets(r);
  });

  it('after requestCrawl the relay knows the repo, and every probe passes (exit 0)', async () => {
    const target = await checkTargetOf({ home: home.dir, manager: manager() }, name, { relayUrl: relay!.url });
    expect(await requestCrawl(target, { transport: frontTransport(edge!.url) })).toEqual([
      { relay: relay!.url, ok: true, message: `${relay!.url} will crawl ${PDS_HOST}.` },
    ]);
    expect([...relay!.crawled]).toEqual([did]);

    const r = await run(['check', name, '--json'], hooks());
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const result = r.json() as CheckResult;
    const byId = new Map(result.items.map((i) => [i.id, i]));
    expect(result.items.map((i) => i.id)).toEqual([
      'tunnel',
      'pds-health',
      'describe-server',
      'repos',
      `did-document:${did}`,
      `handle:${did}`,
      `relay:${did}`,
      'cloudflare-security',
      'dns',
      'cache',
      'clock',
      `certificate:${PDS_HOST}`,
      `certificate:${OWNER}`,
      'upload-limit',
    ]);
    for (const id of [
      'tunnel',
      'pds-health',
      'describe-server',
      'repos',
      `did-document:${did}`,
      `handle:${did}`,
      `relay:${did}`,
      'cloudflare-security',
      'dns',
      'clock',
    ]) {
      expect(byId.get(id)?.pass, `${id}: ${byId.get(id)?.message}`).toBe(true);
    }
    // the handle resolved over the wildcard rule to alice's DID; the DID document (from the PLC directory) names the public PDS URL
    expect(byId.get(`handle:${did}`)?.details).toMatchObject({ request: { url: `https://${OWNER}/.well-known/atproto-did` }, status: 200, bodyExcerpt: did });
    expect(byId.get(`did-document:${did}`)?.details).toMatchObject({ request: { url: `http://127.0.0.1:${plc.port}/${did}` }, status: 200 });
    expect(byId.get(`did-document:${did}`)?.details.bodyExcerpt).toContain(`"alsoKnownAs":["at://${OWNER}"]`);
    // through the loopback edge over plain HTTP the certificates cannot be seen, and the check says so
    expect(byId.get(`certificate:${OWNER}`)).toMatchObject({ pass: 'unknown', message: expect.stringMatching(/over plain HTTP/) });
    expect(result.counts).toEqual({ passed: 11, failed: 0, unknown: 2 });
    await expectNoSecrets(r);
    // kept with the instance for the app
    expect(JSON.parse(await readFile(path.join(home.dir, 'checks', `${name}.json`), 'utf8'))).toEqual(result);
  });

  it('with a Cloudflare-like front before the edge, each fault turns exactly its own item red', async () => {
    const front = await startFront({ upstream: { forward: edge!.url } });
    const viaFront = { ...hooks(), ENGAWA_CHECK_FRONT_URL: front.url };
    const failed = async (): Promise<string[]> => {
      const r = await run(['check', name, '--json'], viaFront);
      const result = r.json() as CheckResult;
      expect(r.code, r.stdout + r.stderr).toBe(result.ok ? 0 : 1);
      await expectNoSecrets(r);
      return result.items.filter((i) => i.pass === false).map((i) => `${i.id} ${i.adviceKey}`);
    };
    try {
      expect(await failed()).toEqual([]); // healthy behind the front
      const faults: [Fault, string[]][] = [
        [{ kind: 'wrong-did', handle: OWNER, did: 'did:plc:someoneelse000000000000' }, [`handle:${did} handle`]],
        [{ kind: 'clock-off', offsetMs: 10 * 60_000 }, ['clock clock']],
        [{ kind: 'cache-hit', path: /^\/\.well-known\/atproto-did$/ }, ['cache cache-rule']],
        // an answer that is not Cloudflare's, or Cloudflare's block page, is not the server's: the one red item
        // names the cause, not the probe that got it
        [{ kind: 'dns-elsewhere', host: OWNER }, ['dns dns-elsewhere']],
        [{ kind: 'waf-block', path: /^\/xrpc\/com\.atproto\.server\.describeServer$/ }, ['cloudflare-security waf-block']],
        [{ kind: 'tunnel-down' }, ['tunnel tunnel-down']],
      ];
      for (const [fault, expected] of faults) {
        front.inject(fault);
        expect(await failed(), fault.kind).toEqual(expected);
      }
    } finally {
      await front.close();
    }
  });

  it('prints the same as sentences, and --last shows it again without asking anything', async () => {
    const r = await run(['check', name], hooks());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`✓ handle:${did}: The handle @${OWNER.replace('.', '\\.')} answers as expected\\.`));
    expect(r.stdout).toMatch(/\n✓ Nothing failed \(0 failed, 11 passed, 2 not checked\)\.\n$/);
    await edge!.close();
    const last = await run(['check', name, '--last']);
    expect(last.code).toBe(0);
    expect(last.stdout).toBe(r.stdout);
    await expectNoSecrets(last);
  });

  it('with the edge gone the check is one item, the tunnel, and exit 1', async () => {
    const r = await run(['check', name, '--json'], hooks());
    expect(r.code).toBe(1);
    expect((r.json() as CheckResult).items).toEqual([expect.objectContaining({ id: 'tunnel', pass: false, adviceKey: 'unreachable' })]);
    edge = undefined;
  });

  it('destroys the PDS and leaves nothing of it', async () => {
    await writeFile(recordFile(), originalRecord);
    await writeFile(secretFile(home.dir, name), originalSecrets);
    originalRecord = '';
    const r = await run(['destroy', name, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(await labelled(project)).toEqual({ containers: [], volumes: [], networks: [] });
  });
});

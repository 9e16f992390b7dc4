/**
 * A Bluesky PDS end to end through `engawa`, in-process on the real engine: create (owner account
 * included) → healthy → a real AT Protocol client (@atproto/api from test/kit/client) logs in,
 * posts with an image and reads both back → stop / start → still there → destroy leaves nothing.
 * Also the PDS's own checks through Engawa's plan, `engawa pds …`, and every bad input.
 *
 * The client reaches the PDS as it would on the internet, by its public host names: every
 * https://<host>/… request goes to the loopback edge (test/stubs/cloudflare/edge.ts), which routes
 * it with matchIngress through the ingress Engawa generates for this instance (buildIngress of its
 * plan) to the PDS's port published on 127.0.0.1.
 *
 * No internet: before `create`, the test makes the instance network itself (unlabelled, so Engawa
 * reuses it and never deletes it) and starts an in-memory PLC directory on it as `plc`; the PDS is
 * pointed at it and every outside service is turned off with --set. The test removes both at the end.
 * Images: `bash scripts/build-test-images.sh`; client: `npm ci --prefix test/kit/client`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { cli, docker, getWithHost, labelled, tempHome, uniqueName, type CliResult } from './helpers';
import { loadAtpAgent, OFFLINE, PDS_IMAGES, PNG, requirePdsImages, startPlc, type Agent, type AgentClass, type BlobRef, type Plc } from './pds-world';
import { secretFile } from '../../electron/core/instances/home';
import { InstanceManager } from '../../electron/core/instances/manager';
import { FileSecretStore } from '../../electron/core/instances/secret-store';
import { getRecipe, listRecipes } from '../../electron/core/stacks/registry';
import { buildIngress } from '../../electron/core/tunnel/ingress';
import type { IngressRuleJson } from '../../electron/core/tunnel/types';
import { publishedPorts, startEdge, type Edge } from '../stubs/cloudflare/edge';
import { blueskyRecipe } from '../../electron/core/stacks/bluesky/recipe';
import { expectInspectClean } from './inspect-secrets';

const IMAGES = JSON.stringify(PDS_IMAGES);

const DOMAIN = 'example.com';
const PDS_HOST = `pds.${DOMAIN}`;
const OWNER = `alice.${DOMAIN}`;
const name = uniqueName('bsky');
const project = `engawa-${name}`;
const network = `${project}_default`;

let home: { dir: string; cleanup: () => Promise<void> };
let d: Dockerode;
let plc: Plc;
let AtpAgent: AgentClass;
let localUrl = '';
let ownerPassword = '';
let edge: Edge | undefined;
/** the public hosts the client asked for and whether the edge answered each time (CF-Ray) */
const viaEdgeLog: { host: string; fromEdge: boolean }[] = [];

const run = (args: string[]): Promise<CliResult> => cli(home.dir, args, { ENGAWA_IMAGES: IMAGES });

/** Statuses whose Response must not have a body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * A fetch that stands in for the internet: https://<host>/<path> goes to the loopback edge over
 * plain HTTP on 127.0.0.1 with the original Host (which fetch cannot set, hence node:http).
 * Anything but https is refused, so nothing reaches the PDS by its local address.
 */
const viaEdge: typeof fetch = async (input, init) => {
  const req = new Request(input, init);
  const url = new URL(req.url);
  if (url.protocol !== 'https:') throw new Error(`The client asked for ${req.url}; only https:// public addresses are reachable`);
  if (edge === undefined) throw new Error('The loopback edge is not running');
  const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.from(await req.arrayBuffer());
  const headers: Record<string, string> = Object.fromEntries(req.headers);
  headers.host = url.host;
  headers['accept-encoding'] = 'identity'; // fetch would decompress; node:http does not
  if (body !== undefined) headers['content-length'] = String(body.length);
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const out = http.request(`${edge!.url}${url.pathname}${url.search}`, { method: req.method, headers, signal: req.signal }, resolve);
    out.on('error', reject);
    out.end(body);
  });
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const status = res.statusCode ?? 0;
  const answer = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) answer.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
  viaEdgeLog.push({ host: url.host, fromEdge: answer.has('cf-ray') });
  return new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage, headers: answer });
};

/** A client as the Bluesky app would be: it knows the server as https://pds.example.com only. */
function agent(): Agent {
  return new AtpAgent({ service: `https://${PDS_HOST}`, fetch: viaEdge });
}

beforeAll(async () => {
  d = docker();
  await requirePdsImages(d);
  AtpAgent = loadAtpAgent();
  home = await tempHome();
  await d.createNetwork({ Name: network });
  plc = await startPlc(d, network, project);
});

afterAll(async () => {
  await edge?.close();
  if (d === undefined) return;
  await run(['destroy', name, '--yes']).catch(() => undefined);
  await plc?.remove().catch(() => undefined);
  await d
    .getNetwork(network)
    .remove()
    .catch(() => undefined);
  await home?.cleanup();
});

/** The accounts `engawa pds accounts --json` lists. */
async function accounts(): Promise<{ handle: string; did: string; email?: string }[]> {
  const r = await run(['pds', 'accounts', name, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return r.json() as { handle: string; did: string; email?: string }[];
}

/** The password printed once on stderr. */
function shownPassword(r: CliResult): string {
  const m = /password \(shown once, keep it safe\): (\S+)/i.exec(r.stderr);
  if (!m) throw new Error(`no password shown: ${r.stderr}`);
  return m[1] as string;
}

/** Exit code 1 with the expected sentence on stderr. */
function refused(r: CliResult, text: RegExp): void {
  expect(r.code, r.stdout + r.stderr).toBe(1);
  expect(r.stderr).toMatch(text);
}

describe('a Bluesky PDS created and run by engawa', () => {
  const create = (user: string, email = `${user}@${DOMAIN}`) =>
    run(['create', 'bluesky', '--name', name, '--domain', DOMAIN, '--admin-user', user, '--admin-email', email, ...OFFLINE]);
  let did = '';
  let postUri = '';
  let blobCid = '';

  it('refuses an owner handle the PDS would not allow before creating anything', async () => {
    for (const [user, why] of [
      ['admin', /admin_user/],
      ['ab', /admin_user/],
      ['al_ice', /admin_user/],
    ] as const) {
      refused(await create(user), why);
    }
    expect((await run(['list', '--json'])).json()).toEqual([]);
    expect(await labelled(project)).toEqual({ containers: [], volumes: [], networks: [] });
  });

  it('creates the PDS with the owner’s account, healthy and answering locally', async () => {
    const r = await create('alice');
    expect(r.code, r.stderr).toBe(0);
    ownerPassword = shownPassword(r);
    const status = (await run(['status', name, '--json'])).json() as { state: string; localUrl: string; services: { health: string }[] };
    expect(status.state).toBe('running');
    expect(status.services).toEqual([expect.objectContaining({ name: 'pds', health: 'healthy' })]);
    localUrl = status.localUrl;
    expect(localUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const list = await accounts();
    expect(list).toEqual([expect.objectContaining({ handle: OWNER, email: `alice@${DOMAIN}` })]);
    did = list[0]?.did as string;
    expect(did).toMatch(/^did:plc:[a-z2-7]{24}$/);
    expect((await run(['pds', 'accounts', name])).stdout).toMatch(new RegExp(`${OWNER}\\s+${did}\\s+alice@${DOMAIN}`));
  });

  it('runs with every capability dropped, and docker inspect shows only the env secrets the PDS reads from env alone', async () => {
    const secrets = await new FileSecretStore(home.dir).get(name);
    expect(await expectInspectClean(project, blueskyRecipe, secrets)).toEqual(['pds']);
    const [pds] = await d.listContainers({ filters: { label: [`com.docker.compose.project=${project}`, 'com.docker.compose.service=pds'] } });
    const env = (await d.getContainer(pds!.Id).inspect()).Config.Env;
    // the listed ones are there (the check above is not vacuous) and the owner's password is not
    expect(env).toContain(`PDS_JWT_SECRET=${secrets.jwt_secret}`);
    expect(env.join('\n')).not.toContain(secrets.owner_password);
  });

  it('is reachable by its public host names through the ingress Engawa generates for it', async () => {
    const recipes = { get: (id: string) => getRecipe(id), list: () => listRecipes() };
    const m = new InstanceManager({ home: home.dir, engine: () => Promise.reject(new Error('not needed')), secrets: new FileSecretStore(home.dir), recipes });
    const plan = await m.planFor(name);
    const { ingress } = buildIngress(plan);
    expect(ingress).toEqual<IngressRuleJson[]>([
      { hostname: PDS_HOST, service: 'http://pds:3000' },
      { hostname: `*.${DOMAIN}`, service: 'http://pds:3000' },
      { service: 'http_status:404' },
    ]);
    edge = await startEdge({ rules: () => ingress, resolve: publishedPorts(plan, (await m.get(name)).ports) });

    const health = await viaEdge(`https://${PDS_HOST}/xrpc/_health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('cf-ray')).toBeTruthy();
    expect(await health.json()).toEqual({ version: expect.any(String) });
    // the handle host reaches the PDS by the wildcard rule, Host kept: the PDS answers with alice's DID
    const handle = await viaEdge(`https://${OWNER}/.well-known/atproto-did`);
    expect(handle.status).toBe(200);
    expect(await handle.text()).toBe(did);
    // a host the ingress does not route gets the edge's own 404, never the PDS
    for (const host of ['other.example.org', DOMAIN]) {
      const other = await viaEdge(`https://${host}/xrpc/_health`);
      expect(other.status, host).toBe(404);
      expect(other.headers.get('cf-ray')).toBeTruthy();
      expect(await other.text()).toBe('');
    }
  });

  it('passes the PDS’s own checks: handle domain, the handle’s DID by Host, the PLC document', async () => {
    const server = (await (await fetch(`${localUrl}/xrpc/com.atproto.server.describeServer`)).json()) as { availableUserDomains: string[]; did: string };
    expect(server.availableUserDomains).toEqual([`.${DOMAIN}`]);
    expect(server.did).toBe(`did:web:${PDS_HOST}`);
    expect(await getWithHost(`${localUrl}/.well-known/atproto-did`, OWNER)).toEqual({ status: 200, body: did });

    const doc = (await (await fetch(`http://127.0.0.1:${plc.port}/${did}`)).json()) as {
      alsoKnownAs: string[];
      service: { type: string; serviceEndpoint: string }[];
    };
    expect(doc.alsoKnownAs).toEqual([`at://${OWNER}`]);
    expect(doc.service).toEqual([expect.objectContaining({ type: 'AtprotoPersonalDataServer', serviceEndpoint: `https://${PDS_HOST}` })]);
  });

  it('lets a real client log in, post with an image and read both back, by the public host name', async () => {
    viaEdgeLog.length = 0;
    const a = agent();
    await a.login({ identifier: OWNER, password: ownerPassword });
    expect(a.did).toBe(did);
    const { blob } = (await a.uploadBlob(new Uint8Array(PNG), { encoding: 'image/png' })).data;
    expect(blob).toMatchObject({ mimeType: 'image/png', size: PNG.length });
    blobCid = blob.ref.toString();
    const post = await a.post({
      text: 'Hello from my own PDS',
      createdAt: new Date().toISOString(),
      embed: { $type: 'app.bsky.embed.images', images: [{ alt: 'one pixel', image: blob }] },
    });
    postUri = post.uri;
    expect(postUri).toMatch(new RegExp(`^at://${did}/app\\.bsky\\.feed\\.post/`));
    await expectPostAndImage(a);
    // every request went to the public host and was answered through the edge
    expect(new Set(viaEdgeLog.map((x) => `${x.host} ${x.fromEdge}`))).toEqual(new Set([`${PDS_HOST} true`]));
  });

  async function expectPostAndImage(a: Agent): Promise<void> {
    const rkey = postUri.split('/').at(-1) as string;
    const record = (await a.com.atproto.repo.getRecord({ repo: did, collection: 'app.bsky.feed.post', rkey })).data.value;
    expect(record.text).toBe('Hello from my own PDS');
    const images = (record.embed as { images: { image: BlobRef }[] }).images;
    expect(images[0]?.image.ref.toString()).toBe(blobCid);
    const bytes = (await a.com.atproto.sync.getBlob({ did, cid: blobCid })).data;
    expect(Buffer.from(bytes).equals(PNG)).toBe(true);
  }

  it('says plainly that a stopped PDS cannot be administered, and keeps everything across stop and start', async () => {
    expect((await run(['stop', name])).code).toBe(0);
    refused(await run(['pds', 'accounts', name]), new RegExp(`The PDS of "${name}" is stopped; start it and try again\\.`));
    refused(await run(['pds', 'invite', name]), /is stopped/);

    const started = await run(['start', name]);
    expect(started.code, started.stderr).toBe(0);
    expect(await accounts()).toEqual([expect.objectContaining({ did, handle: OWNER })]);
    const a = agent();
    await a.login({ identifier: OWNER, password: ownerPassword });
    await expectPostAndImage(a);
  });

  it('refuses handles that are not allowed or taken and e-mails the PDS rejects, changing nothing', async () => {
    const add = (handle: string, email: string) => run(['pds', 'create-account', name, '--handle', handle, '--email', email]);
    refused(await add('ab', `bob@${DOMAIN}`), /The handle "ab" is not allowed: .*3 to 18 characters/);
    refused(await add('admin', `bob@${DOMAIN}`), /The handle "admin" is not allowed: Bluesky reserves the name "admin"/);
    refused(await add(`bob.pds.${DOMAIN}`, `bob@${DOMAIN}`), /not allowed: handles on this server end in \.example\.com/);
    refused(await add('alice', `bob@${DOMAIN}`), new RegExp(`The handle ${OWNER} is already taken on this PDS`));
    refused(await add('bob', `alice@${DOMAIN}`), /already used by another account/);
    refused(await add('bob', 'bob@mailinator.com'), /The PDS does not accept the e-mail address bob@mailinator\.com/);
    refused(await add('bob', 'not-an-address'), /is not an e-mail address/);
    expect((await accounts()).map((x) => x.handle)).toEqual([OWNER]);
    // two invite codes exist: the owner's (used) and the one made for the refused e-mail, disabled again
    const codes = await inviteCodes();
    expect(codes).toHaveLength(2);
    expect(codes.filter((c) => !c.disabled && c.uses.length < c.available)).toEqual([]);
  });

  /** Every invite code, read with the admin password Engawa stored. */
  async function inviteCodes(): Promise<{ code: string; disabled: boolean; available: number; uses: unknown[] }[]> {
    const { admin_password } = JSON.parse(await readFile(secretFile(home.dir, name), 'utf8')) as Record<string, string>;
    const auth = `Basic ${Buffer.from(`admin:${admin_password}`).toString('base64')}`;
    const res = await fetch(`${localUrl}/xrpc/com.atproto.admin.getInviteCodes?limit=100`, { headers: { authorization: auth } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { codes: { code: string; disabled: boolean; available: number; uses: unknown[] }[] }).codes;
  }

  it('creates an account, resets its password, makes invite codes', async () => {
    const created = await run(['pds', 'create-account', name, '--handle', 'bob', '--email', `bob@${DOMAIN}`, '--json']);
    expect(created.code, created.stderr).toBe(0);
    const bob = created.json() as { did: string; handle: string };
    expect(bob.handle).toBe(`bob.${DOMAIN}`);
    const first = shownPassword(created);
    expect(created.stdout).not.toContain(first);
    await agent().login({ identifier: bob.handle, password: first });

    const file = path.join(home.dir, 'new-password');
    await writeFile(file, 'a-new-password-for-bob\n');
    const reset = await run(['pds', 'reset-password', name, '--handle', `bob.${DOMAIN}`, '--password-file', file]);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stderr).not.toMatch(/shown once/);
    await agent().login({ identifier: bob.handle, password: 'a-new-password-for-bob' });
    await expect(agent().login({ identifier: bob.handle, password: first })).rejects.toThrow();
    refused(await run(['pds', 'reset-password', name, '--handle', 'carol']), new RegExp(`There is no account carol\\.${DOMAIN.replace('.', '\\.')}`));

    const invite = await run(['pds', 'invite', name]);
    expect(invite.code).toBe(0);
    expect(invite.stdout.trim()).toMatch(/^[a-z0-9-]{10,}$/);
    const json = (await run(['pds', 'invite', name, '--json'])).json() as { code: string };
    expect(json.code).not.toBe(invite.stdout.trim());
  });

  it('says so when there are no relays to announce to', async () => {
    refused(await run(['pds', 'announce', name]), new RegExp(`"${name}" has no relays configured`));
  });

  it('names a wrong admin password as such, without showing it', async () => {
    const file = secretFile(home.dir, name);
    const original = await readFile(file, 'utf8');
    const wrong = 'f'.repeat(32);
    await writeFile(file, JSON.stringify({ ...(JSON.parse(original) as Record<string, string>), admin_password: wrong }));
    try {
      const r = await run(['pds', 'accounts', name]);
      refused(r, new RegExp(`The PDS of "${name}" did not accept the admin password Engawa keeps for it`));
      expect(r.stderr + r.stdout).not.toContain(wrong);
      refused(await run(['pds', 'create-account', name, '--handle', 'carol', '--email', `carol@${DOMAIN}`]), /did not accept the admin password/);
    } finally {
      await writeFile(file, original);
    }
    expect((await accounts()).map((x) => x.handle).sort()).toEqual([OWNER, `bob.${DOMAIN}`].sort());
  });

  it('refuses pds commands for a server that does not exist', async () => {
    refused(await run(['pds', 'accounts', 'nobody-here']), /There is no instance "nobody-here"/);
    expect((await run(['pds', 'frobnicate', name])).code).toBe(2);
    expect((await run(['pds', 'accounts', name, '--email', 'x@example.com'])).code).toBe(2);
  });

  it('destroys the PDS and leaves nothing of it', async () => {
    const r = await run(['destroy', name, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(await labelled(project)).toEqual({ containers: [], volumes: [], networks: [] });
    await plc.remove();
    await d.getNetwork(network).remove();
    expect((await d.listNetworks({ filters: { name: [network] } })).filter((n) => n.Name === network)).toEqual([]);
    expect((await d.listContainers({ all: true, filters: { name: [project] } })).length).toBe(0);
    expect((await run(['list', '--json'])).json()).toEqual([]);
  });
});

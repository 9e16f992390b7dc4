/**
 * A real Bluesky PDS updated by `engawa update` across real versions, in-process on the real
 * engine: a server made on the recipe's previous release moves to its newest one; the PDS then
 * reports the newer version, the posts and the image read back identically, the identity is the
 * same (the DID, the PLC rotation key and the repository signing key, as backup-pds.test.ts
 * compares them), the owner can still log in and post, and the backup made before the update is
 * listed, kept outside retention and passes a restore drill.
 *
 * Versions: the recipe's releases are PREVIOUS_PDS_VERSION (0.4.217) and PDS_VERSION (0.4.219),
 * but npm has no @atproto/pds 0.4.219 to build a local image from. So the test moves between the
 * two real versions the test kits have, older → newer, under the recipe's two release names: the
 * previous release's official image → local/pds:0.4.209 (test/kit/pds-prev), the newest's →
 * local/pds:0.4.217 (test/kit/pds). What the PDS answers on /xrpc/_health is the real version.
 *
 * No internet, as in backup-pds.test.ts: the instance network is made first (unlabelled) with an
 * in-memory PLC directory on it as `plc`. Images: `bash scripts/build-test-images.sh`; client:
 * `npm ci --prefix test/kit/client`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceRecord } from '../../electron/core/instances';
import { secretFile } from '../../electron/core/instances/home';
import { blueskyRecipe, PDS_VERSION as NEWEST, PREVIOUS_PDS_VERSION as PREVIOUS } from '../../electron/core/stacks/bluesky/recipe';
import { releaseImages } from '../../electron/core/stacks/releases';
import { cli, docker, LOCAL_IMAGES, tempHome, uniqueName, type CliResult } from './helpers';
import {
  loadAtpAgent,
  OFFLINE,
  PDS_IMAGE,
  PDS_VERSION as NEWER_REAL,
  PNG,
  PREV_PDS_IMAGE,
  PREV_PDS_VERSION as OLDER_REAL,
  requirePdsImages,
  startPlc,
  type Agent,
  type AgentClass,
  type Plc,
} from './pds-world';

// the recipe's previous release runs the older real PDS, its newest release the newer real one
const IMAGES = JSON.stringify({
  ...LOCAL_IMAGES,
  [releaseImages(blueskyRecipe, PREVIOUS).pds as string]: PREV_PDS_IMAGE,
  [releaseImages(blueskyRecipe, NEWEST).pds as string]: PDS_IMAGE,
});
const DOMAIN = 'example.com';
const OWNER = `alice.${DOMAIN}`;
const PASS = 'correct horse battery';

const name = uniqueName('uppds');
const project = `engawa-${name}`;
const network = `${project}_default`;
let home: { dir: string; cleanup: () => Promise<void> };
let d: Dockerode;
let plc: Plc;
let AtpAgent: AgentClass;

const run = (args: string[]): Promise<CliResult> => cli(home.dir, args, { ENGAWA_IMAGES: IMAGES, ENGAWA_BACKUP_PASSPHRASE: PASS });

async function localUrl(): Promise<string> {
  return ((await run(['status', name, '--json'])).json() as { localUrl: string }).localUrl;
}

async function agent(): Promise<Agent> {
  const url = await localUrl();
  const viaTunnel: typeof fetch = async (input, init) => {
    const req = new Request(input, init);
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.arrayBuffer();
    return fetch(req.url.replace(`https://pds.${DOMAIN}`, url), { method: req.method, headers: req.headers, body, signal: req.signal });
  };
  return new AtpAgent({ service: url, fetch: viaTunnel });
}

/** The version the running PDS reports. */
async function healthVersion(): Promise<string> {
  const r = await fetch(`${await localUrl()}/xrpc/_health`);
  expect(r.ok).toBe(true);
  return ((await r.json()) as { version: string }).version;
}

/** The identity as the PLC directory, the secrets and the PDS itself tell it. */
async function identity(a: Agent, did: string): Promise<unknown> {
  const doc = (await (await fetch(`http://127.0.0.1:${plc.port}/${did}`)).json()) as { verificationMethod: { publicKeyMultibase: string }[] };
  const plcData = (await (await fetch(`http://127.0.0.1:${plc.port}/${did}/data`)).json()) as {
    rotationKeys: string[];
    verificationMethods: Record<string, string>;
  };
  const recommended = (await a.com.atproto.identity.getRecommendedDidCredentials()).data;
  const secrets = JSON.parse(await readFile(secretFile(home.dir, name), 'utf8')) as Record<string, string>;
  return {
    signingKey: recommended.verificationMethods?.atproto,
    plcSigningKey: plcData.verificationMethods.atproto,
    plcDoc: doc.verificationMethod[0]?.publicKeyMultibase,
    rotationKeys: recommended.rotationKeys,
    plcRotationKeys: plcData.rotationKeys,
    plcRotationSecret: secrets.plc_rotation_key,
  };
}

const record = async (): Promise<InstanceRecord> => JSON.parse(await readFile(path.join(home.dir, 'instances', `${name}.json`), 'utf8')) as InstanceRecord;
const rkey = (uri: string) => uri.split('/').at(-1) as string;

beforeAll(async () => {
  d = docker();
  await requirePdsImages(d);
  await d
    .getImage(PREV_PDS_IMAGE)
    .inspect()
    .catch(() => {
      throw new Error(`${PREV_PDS_IMAGE} is missing: run bash scripts/build-test-images.sh`);
    });
  AtpAgent = loadAtpAgent();
  home = await tempHome();
  await d.createNetwork({ Name: network });
  plc = await startPlc(d, network, project);
});

afterAll(async () => {
  if (d === undefined) return;
  if (home !== undefined) await run(['destroy', name, '--yes']).catch(() => undefined);
  await plc?.remove().catch(() => undefined);
  await d
    .getNetwork(network)
    .remove()
    .catch(() => undefined);
  await home?.cleanup();
});

describe('update of a real Bluesky PDS', () => {
  let password = '';
  let did = '';
  let textUri = '';
  let imageUri = '';
  let blobCid = '';
  let posts: Record<string, unknown>[] = [];
  let before: unknown;

  const readPosts = async (a: Agent) =>
    Promise.all(
      [textUri, imageUri].map(async (uri) => (await a.com.atproto.repo.getRecord({ repo: did, collection: 'app.bsky.feed.post', rkey: rkey(uri) })).data.value),
    );

  it(`makes a PDS on the previous release ${PREVIOUS} (the real ${OLDER_REAL}) with a text post and an image`, async () => {
    expect(releaseImages(blueskyRecipe, PREVIOUS).pds).toBe(`ghcr.io/bluesky-social/pds:${PREVIOUS}`);
    expect(releaseImages(blueskyRecipe, NEWEST).pds).toBe(`ghcr.io/bluesky-social/pds:${NEWEST}`);
    const created = await run([
      'create',
      'bluesky',
      '--name',
      name,
      '--domain',
      DOMAIN,
      '--admin-user',
      'alice',
      '--admin-email',
      `alice@${DOMAIN}`,
      '--version',
      PREVIOUS,
      ...OFFLINE,
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect((await record()).stackVersion).toBe(PREVIOUS);
    expect(await healthVersion()).toBe(OLDER_REAL);
    password = /password \(shown once, keep it safe\): (\S+)/i.exec(created.stderr)?.[1] as string;
    expect(password).toBeTruthy();

    const a = await agent();
    await a.login({ identifier: OWNER, password });
    did = a.did as string;
    textUri = (await a.post({ text: 'written on the older PDS', createdAt: new Date().toISOString() })).uri;
    const { blob } = (await a.uploadBlob(new Uint8Array(PNG), { encoding: 'image/png' })).data;
    blobCid = blob.ref.toString();
    imageUri = (
      await a.post({
        text: 'an image on the older PDS',
        createdAt: new Date().toISOString(),
        embed: { $type: 'app.bsky.embed.images', images: [{ alt: 'pixel', image: blob }] },
      })
    ).uri;
    posts = await readPosts(a);
    expect(posts.map((p) => p.text)).toEqual(['written on the older PDS', 'an image on the older PDS']);
    before = await identity(a, did);
    expect(before).toMatchObject({ signingKey: expect.stringMatching(/^did:key:/) });
    const b = before as { signingKey: string; plcSigningKey: string; rotationKeys: string[]; plcRotationKeys: string[] };
    expect(b.plcSigningKey).toBe(b.signingKey);
    expect(b.plcRotationKeys).toEqual(b.rotationKeys);
  });

  let result: { from: string; to: string; backup: string; downtimeMs: number; updated: boolean; steps: { from: string; to: string }[] };

  it(`updates it to ${NEWEST} (the real ${NEWER_REAL}) with the posts, the image and the identity unchanged`, async () => {
    const r = await run(['update', name, '--json']);
    expect(r.code, r.stderr).toBe(0);
    result = r.json() as typeof result;
    expect(result).toMatchObject({ from: PREVIOUS, to: NEWEST, updated: true });
    expect(result.steps.map((s) => [s.from, s.to])).toEqual([[PREVIOUS, NEWEST]]);
    expect(result.downtimeMs).toBeGreaterThan(0);
    expect(result.backup).toEqual(expect.any(String));
    expect(await healthVersion()).toBe(NEWER_REAL);
    expect((await record()).stackVersion).toBe(NEWEST);

    const a = await agent();
    await a.login({ identifier: OWNER, password });
    expect(a.did).toBe(did);
    expect(await readPosts(a)).toEqual(posts);
    expect(Buffer.from((await a.com.atproto.sync.getBlob({ did, cid: blobCid })).data).equals(PNG)).toBe(true);
    expect(await identity(a, did)).toEqual(before);
    // and it keeps working: a new post is accepted and reads back
    const after = (await a.post({ text: 'after the update', createdAt: new Date().toISOString() })).uri;
    expect((await a.com.atproto.repo.getRecord({ repo: did, collection: 'app.bsky.feed.post', rkey: rkey(after) })).data.value.text).toBe('after the update');
  });

  it('keeps the pre-update backup: listed, marked to keep, and it passes a restore drill', async () => {
    const listed = await run(['backups', name, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect((listed.json() as { path: string }[]).map((b) => b.path)).toContain(result.backup);
    expect(JSON.parse(await readFile(`${result.backup}.keep.json`, 'utf8'))).toEqual({ reason: 'before-update', from: PREVIOUS, to: NEWEST });
    const drill = await run(['verify', result.backup, '--drill']);
    expect(drill.code, drill.stdout + drill.stderr).toBe(0);
  });
});

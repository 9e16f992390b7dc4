/**
 * A real Bluesky PDS backed up and restored by `engawa`, in-process on the real engine: posts and
 * an image made before the backup are back after destroy + restore, a post made after it is not,
 * and the identity is the same: the DID, the PLC rotation key and the repository signing key (the
 * PDS's own recommendation equals the PLC document before and after). The backup stops the PDS
 * for the copy and reports the downtime; the restore drill passes on an isolated copy.
 *
 * No internet, as in pds.test.ts: the instance network is made first (unlabelled) with an
 * in-memory PLC directory on it as `plc`. Images: `bash scripts/build-test-images.sh`; client:
 * `npm ci --prefix test/kit/client`.
 */
import { readFile } from 'node:fs/promises';
import type Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../electron/core/backup/manifest';
import { secretFile } from '../../electron/core/instances/home';
import { readRawArchive } from '../unit/backup/raw-archive';
import { cli, docker, labelled, tempHome, uniqueName, type CliResult } from './helpers';
import { loadAtpAgent, OFFLINE, PDS_IMAGES, PNG, requirePdsImages, startPlc, type Agent, type AgentClass, type Plc } from './pds-world';

const IMAGES = JSON.stringify(PDS_IMAGES);
const DOMAIN = 'example.com';
const OWNER = `alice.${DOMAIN}`;
const PASS = 'correct horse battery';

const name = uniqueName('bkpds');
const project = `engawa-${name}`;
const network = `${project}_default`;
let home: { dir: string; cleanup: () => Promise<void> };
let d: Dockerode;
let plc: Plc;
let AtpAgent: AgentClass;

const run = (args: string[]): Promise<CliResult> => cli(home.dir, args, { ENGAWA_IMAGES: IMAGES, ENGAWA_BACKUP_PASSPHRASE: PASS });

async function agent(): Promise<Agent> {
  const localUrl = ((await run(['status', name, '--json'])).json() as { localUrl: string }).localUrl;
  const viaTunnel: typeof fetch = async (input, init) => {
    const req = new Request(input, init);
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.arrayBuffer();
    return fetch(req.url.replace(`https://pds.${DOMAIN}`, localUrl), { method: req.method, headers: req.headers, body, signal: req.signal });
  };
  return new AtpAgent({ service: localUrl, fetch: viaTunnel });
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

beforeAll(async () => {
  d = docker();
  await requirePdsImages(d);
  AtpAgent = loadAtpAgent();
  home = await tempHome();
  await d.createNetwork({ Name: network });
  plc = await startPlc(d, network, project);
});

afterAll(async () => {
  if (d === undefined) return;
  await run(['destroy', name, '--yes']).catch(() => undefined);
  await plc?.remove().catch(() => undefined);
  await d
    .getNetwork(network)
    .remove()
    .catch(() => undefined);
  await home?.cleanup();
});

describe('backup and restore of a real Bluesky PDS', () => {
  let password = '';
  let did = '';
  let kept = '';
  let late = '';
  let blobCid = '';
  let file = '';
  let before: unknown;

  it('backs up a PDS with a post and an image, stopping it for the copy', async () => {
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
      ...OFFLINE,
    ]);
    expect(created.code, created.stderr).toBe(0);
    password = /password \(shown once, keep it safe\): (\S+)/i.exec(created.stderr)?.[1] as string;
    const a = await agent();
    await a.login({ identifier: OWNER, password });
    did = a.did as string;
    const { blob } = (await a.uploadBlob(new Uint8Array(PNG), { encoding: 'image/png' })).data;
    blobCid = blob.ref.toString();
    kept = (
      await a.post({
        text: 'kept by the backup',
        createdAt: new Date().toISOString(),
        embed: { $type: 'app.bsky.embed.images', images: [{ alt: 'pixel', image: blob }] },
      })
    ).uri;
    before = await identity(a, did);
    expect(before).toMatchObject({ signingKey: expect.stringMatching(/^did:key:/) });
    const b = before as { signingKey: string; plcSigningKey: string; rotationKeys: string[]; plcRotationKeys: string[] };
    expect(b.plcSigningKey).toBe(b.signingKey);
    expect(b.plcRotationKeys).toEqual(b.rotationKeys);

    const r = await run(['backup', name, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.json() as { path: string; downtimeMs: number; entries: { path: string }[] };
    file = out.path;
    expect(out.entries.map((e) => e.path)).toEqual(['secrets.json', 'volumes/data.tar']);
    expect(out.downtimeMs).toBeGreaterThan(0);
    // what the drill will compare: the account's repository, its records and the image, counted live
    const manifest = JSON.parse((await readRawArchive(file, PASS))[0]!.data.toString('utf8')) as Manifest;
    expect(manifest.probes.pds?.accounts[did]).toMatchObject({ records: [1, 1], blobs: [1, 1] });
    expect(manifest.probes.pds?.sample).toMatchObject({ uri: kept, blob: { did, cid: blobCid, bytes: PNG.length } });
    expect(((await run(['status', name, '--json'])).json() as { state: string }).state).toBe('running');
    const text = await run(['backup', name]);
    expect(text.stdout).toMatch(/downtime: \d+\.\d s/);

    const again = await agent();
    await again.login({ identifier: OWNER, password });
    late = (await again.post({ text: 'made after the backup', createdAt: new Date().toISOString() })).uri;
  });

  it('passes the restore drill on an isolated copy', async () => {
    const r = await run(['verify', file, '--drill']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('is back after destroy + restore with the same posts, image and identity, without the later post', async () => {
    expect((await run(['destroy', name, '--yes'])).code).toBe(0);
    expect((await labelled(project)).volumes).toEqual([]);
    const r = await run(['restore', file]);
    expect(r.code, r.stderr).toBe(0);
    const a = await agent();
    await a.login({ identifier: OWNER, password });
    expect(a.did).toBe(did);
    const rkey = (uri: string) => uri.split('/').at(-1) as string;
    const record = (await a.com.atproto.repo.getRecord({ repo: did, collection: 'app.bsky.feed.post', rkey: rkey(kept) })).data.value;
    expect(record.text).toBe('kept by the backup');
    expect(Buffer.from((await a.com.atproto.sync.getBlob({ did, cid: blobCid })).data).equals(PNG)).toBe(true);
    await expect(a.com.atproto.repo.getRecord({ repo: did, collection: 'app.bsky.feed.post', rkey: rkey(late) })).rejects.toThrow();
    expect(await identity(a, did)).toEqual(before);
    // and it keeps working: a new post is accepted
    await a.post({ text: 'after the restore', createdAt: new Date().toISOString() });
  });
});

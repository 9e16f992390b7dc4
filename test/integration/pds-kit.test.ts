/**
 * The Bluesky PDS recipe on the real engine, with no internet: an in-memory PLC directory
 * (local/plc) and the PDS (local/pds, standing in for the official image) on one user-defined
 * network, the PDS configured by the recipe's own plan with the PLC URL pointed at the local one
 * and every outside service turned off. Driven with xrpc.ts. Plain dockerode: the app's engine
 * code is not under test here. Images: `bash scripts/build-test-images.sh`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Dockerode from 'dockerode';
import { docker, eventually, getWithHost, uniqueName } from './helpers';
import { PDS_IMAGES, PDS_VERSION, requirePdsImages, startPlc, type Plc } from './pds-world';
import { blueskyRecipe } from '../../electron/core/stacks/bluesky/recipe';
import { PdsClient } from '../../electron/core/stacks/bluesky/xrpc';
import { plan } from '../../electron/core/stacks/plan';
import { generateSecrets } from '../../electron/core/stacks/secrets';
import { isEngawaError } from '../../electron/core/util/errors';
import { LABELS, type PlannedService } from '../../electron/core/plan/types';

const DOMAIN = 'example.com';
const instance = uniqueName('pdskit');
const secrets = generateSecrets(blueskyRecipe, {});
const pdsPlan = plan(blueskyRecipe, {
  instance,
  domain: DOMAIN,
  secrets,
  images: PDS_IMAGES,
  // nothing may try the internet: local PLC, no app view, no report service, no relays
  settings: { plc_url: 'http://plc:2582', appview_url: '', appview_did: '', report_service_url: '', report_service_did: '', crawlers: '' },
});
const pdsService = pdsPlan.services.find((s) => s.name === 'pds') as PlannedService;

let d: Dockerode;
let pds: PdsClient;
let pdsPort = 0;
let plc: Plc;
let pdsContainer: Dockerode.Container;

beforeAll(async () => {
  d = docker();
  await requirePdsImages(d);
  await d.createNetwork({ Name: pdsPlan.network.name, Labels: pdsPlan.network.labels });
  for (const v of pdsPlan.volumes) await d.createVolume({ Name: v.name, Labels: v.labels });

  plc = await startPlc(d, pdsPlan.network.name, pdsPlan.project);

  pdsContainer = await d.createContainer(containerOptions(pdsService, pdsPlan.network.name));
  await pdsContainer.start();
  pdsPort = hostPort(await pdsContainer.inspect(), 3000);
  // the recipe's own health check (busybox wget on /xrpc/_health) has to turn the container healthy
  await eventually(
    async () => {
      const state = (await pdsContainer.inspect()).State;
      if (!state.Running) throw new Error(`the PDS container stopped (exit code ${state.ExitCode})`);
      return state.Health?.Status === 'healthy' ? true : undefined;
    },
    60_000,
    'the PDS health check',
  );
  pds = new PdsClient({ baseUrl: `http://127.0.0.1:${pdsPort}`, adminPassword: secrets.admin_password as string });
});

afterAll(async () => {
  if (d === undefined) return;
  await plc?.remove().catch(() => undefined);
  const filters = { label: [`${LABELS.project}=${pdsPlan.project}`] };
  for (const c of await d.listContainers({ all: true, filters })) await d.getContainer(c.Id).remove({ force: true, v: true });
  for (const v of (await d.listVolumes({ filters })).Volumes ?? []) await d.getVolume(v.Name).remove();
  for (const n of await d.listNetworks({ filters })) await d.getNetwork(n.Id).remove();
});

/** Docker options for a planned service, the way the engine will create it (subset this test needs). */
function containerOptions(s: PlannedService, network: string): Dockerode.ContainerCreateOptions {
  const hc = s.healthcheck;
  return {
    name: s.containerName,
    Image: s.image,
    Env: Object.entries(s.env).map(([k, v]) => `${k}=${v}`),
    Labels: s.labels,
    ExposedPorts: Object.fromEntries(s.ports.map((p) => [`${p.container}/tcp`, {}])),
    ...(hc !== undefined && {
      Healthcheck: {
        Test: hc.test,
        Interval: hc.intervalMs * 1e6,
        Timeout: hc.timeoutMs * 1e6,
        Retries: hc.retries,
        StartPeriod: (hc.startPeriodMs ?? 0) * 1e6,
      },
    }),
    HostConfig: {
      NetworkMode: network,
      Init: s.init,
      Mounts: s.mounts.map((m) => ({ Type: 'volume' as const, Source: m.source, Target: m.target, ReadOnly: m.readOnly })),
      PortBindings: Object.fromEntries(s.ports.map((p) => [`${p.container}/tcp`, [{ HostIp: '127.0.0.1', HostPort: '' }]])),
    },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [s.name] } } },
    StopTimeout: s.stopTimeoutS,
  };
}

function hostPort(info: Dockerode.ContainerInspectInfo, port: number): number {
  const binding = info.NetworkSettings.Ports[`${port}/tcp`]?.[0];
  if (binding === undefined) throw new Error(`port ${port} is not published`);
  return Number(binding.HostPort);
}

async function expectRejected(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isEngawaError(e), String(e)).toBe(true);
  return e as Error;
}

describe('Bluesky PDS with a local PLC directory', () => {
  const handle = `alice.${DOMAIN}`;
  const owner = secrets.owner_password as string;
  let did = '';

  it('is healthy, reports its version and offers handles under the domain', async () => {
    expect(await pds.health()).toEqual({ version: PDS_VERSION });
    const server = await pds.describeServer();
    expect(server.availableUserDomains).toEqual([`.${DOMAIN}`]);
    expect(server.inviteCodeRequired).toBe(true);
    expect(server.did).toBe(`did:web:pds.${DOMAIN}`);
  });

  it('creates an account with an invite code and registers it in the PLC directory', async () => {
    const code = await pds.createInviteCode();
    const account = await pds.createAccount({ handle, email: `alice@${DOMAIN}`, password: owner, inviteCode: code });
    expect(account.handle).toBe(handle);
    expect(account.did).toMatch(/^did:plc:[a-z2-7]{24}$/);
    did = account.did;

    const res = await fetch(`http://127.0.0.1:${plc.port}/${did}`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { alsoKnownAs: string[]; service: { id: string; type: string; serviceEndpoint: string }[] };
    expect(doc.alsoKnownAs).toEqual([`at://${handle}`]);
    expect(doc.service).toContainEqual(expect.objectContaining({ type: 'AtprotoPersonalDataServer', serviceEndpoint: `https://pds.${DOMAIN}` }));
  });

  it('answers /.well-known/atproto-did for the handle by its Host header', async () => {
    expect(await getWithHost(`http://127.0.0.1:${pdsPort}/.well-known/atproto-did`, handle)).toEqual({ status: 200, body: did });
    expect((await getWithHost(`http://127.0.0.1:${pdsPort}/.well-known/atproto-did`, `nobody.${DOMAIN}`)).status).toBe(404);
  });

  it('refuses a taken handle, a missing invite code and a handle outside the domain', async () => {
    const code = await pds.createInviteCode();
    const taken = await expectRejected(pds.createAccount({ handle, email: `bob@${DOMAIN}`, password: owner, inviteCode: code }));
    expect(taken).toMatchObject({ code: 'NAME_TAKEN', details: { xrpcError: 'InvalidRequest' } });
    const reserved = await expectRejected(pds.createAccount({ handle: `admin.${DOMAIN}`, email: `bob@${DOMAIN}`, password: owner, inviteCode: code }));
    expect(reserved).toMatchObject({ code: 'NAME_TAKEN', details: { xrpcError: 'HandleNotAvailable' } });
    const noInvite = await expectRejected(pds.createAccount({ handle: `bob.${DOMAIN}`, email: `bob@${DOMAIN}`, password: owner }));
    expect(noInvite).toMatchObject({ code: 'INVALID_INPUT', details: { xrpcError: 'InvalidInviteCode' } });
    const outside = await expectRejected(pds.createAccount({ handle: 'bob.pds.example.org', email: `bob@${DOMAIN}`, password: owner, inviteCode: code }));
    expect(outside).toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('lists accounts and resets a password with the admin password', async () => {
    const accounts = await pds.listAccounts();
    expect(accounts).toEqual([expect.objectContaining({ did, handle, email: `alice@${DOMAIN}`, active: true })]);

    await expect(pds.createSession(handle, owner)).resolves.toMatchObject({ did, handle });
    const next = `${owner}-new`;
    await pds.updateAccountPassword(did, next);
    await expect(pds.createSession(handle, next)).resolves.toMatchObject({ did });
    const old = await expectRejected(pds.createSession(handle, owner));
    expect(old).toMatchObject({ code: 'INVALID_INPUT', details: { status: 401 } });
  });

  it('refuses admin calls with a wrong admin password without revealing it', async () => {
    const wrong = 'wrong-admin-password-0123';
    const e = await expectRejected(new PdsClient({ baseUrl: `http://127.0.0.1:${pdsPort}`, adminPassword: wrong }).createInviteCode());
    expect(e).toMatchObject({ code: 'INVALID_INPUT', details: { status: 401 } });
    expect(JSON.stringify({ message: e.message, details: (e as { details?: unknown }).details })).not.toContain(wrong);
  });

  it('stops cleanly on SIGTERM (exit code 0, not killed)', async () => {
    await pdsContainer.stop();
    const state = (await pdsContainer.inspect()).State;
    expect(state.Running).toBe(false);
    expect(state.ExitCode).toBe(0);
  });
});

/** The Bluesky PDS recipe against upstream's installer and the rules a home PDS behind Cloudflare needs. */
import { describe, expect, it } from 'vitest';
import { blueskyRecipe, PDS_VERSION } from '../../../electron/core/stacks/bluesky/recipe';
import { checkPdsLayout } from '../../../electron/core/stacks/bluesky/hostnames';
import { assertRecipe } from '../../../electron/core/stacks/assert-recipe';
import { withAdminSettings } from '../../../electron/core/instances/input';
import { imageTag, planSample, quotedEnvValues, SAMPLE_DOMAIN } from './recipe-helpers';

/**
 * What bluesky-social/pds installer.sh (tag v0.4.219) writes to /pds/pds.env, secrets and the
 * host-specific values left out. The recipe must match it except PDS_DATA_DIRECTORY's location.
 */
const INSTALLER_ENV: Record<string, string> = {
  PDS_DATA_DIRECTORY: '/pds',
  PDS_BLOBSTORE_DISK_LOCATION: '/pds/blocks',
  PDS_BLOB_UPLOAD_LIMIT: '104857600',
  PDS_DID_PLC_URL: 'https://plc.directory',
  PDS_BSKY_APP_VIEW_URL: 'https://api.bsky.app',
  PDS_BSKY_APP_VIEW_DID: 'did:web:api.bsky.app',
  PDS_REPORT_SERVICE_URL: 'https://mod.bsky.app',
  PDS_REPORT_SERVICE_DID: 'did:plc:ar7c4by46qjdydhdevvrndac',
  PDS_CRAWLERS: 'https://bsky.network',
  LOG_ENABLED: 'true',
  PDS_RATE_LIMITS_ENABLED: 'true',
  PDS_INVITE_REQUIRED: 'true',
};
const OFFLINE = { plc_url: 'http://plc:2582', appview_url: '', appview_did: '', report_service_url: '', report_service_did: '', crawlers: '' };

const pdsOf = (p: ReturnType<typeof planSample>['plan']) => {
  const s = p.services.find((x) => x.name === 'pds');
  if (s === undefined) throw new Error('no pds service');
  return s;
};

describe('blueskyRecipe', () => {
  it('is a valid recipe as data (survives JSON and the structural check)', () => {
    expect(() => assertRecipe(JSON.parse(JSON.stringify(blueskyRecipe)))).not.toThrow();
  });

  it('runs only the PDS, from the official image pinned to the exact release', () => {
    const { plan } = planSample(blueskyRecipe);
    expect(plan.services.map((s) => s.name)).toEqual(['pds']);
    const pds = pdsOf(plan);
    expect(pds.image).toBe(`ghcr.io/bluesky-social/pds:${PDS_VERSION}`);
    expect(imageTag(pds.image)).toMatch(/^\d+\.\d+\.\d+$/);
    expect(plan.stackVersion).toBe(PDS_VERSION);
  });

  it('writes the environment upstream’s installer writes, with the default settings', () => {
    const { plan, secrets } = planSample(blueskyRecipe);
    const env = pdsOf(plan).env;
    expect(env).toMatchObject(INSTALLER_ENV);
    expect(env).toMatchObject({
      PDS_HOSTNAME: `pds.${SAMPLE_DOMAIN}`,
      PDS_SERVICE_HANDLE_DOMAINS: `.${SAMPLE_DOMAIN}`,
      PDS_PORT: '3000',
      PDS_JWT_SECRET: secrets.jwt_secret,
      PDS_ADMIN_PASSWORD: secrets.admin_password,
      PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: secrets.plc_rotation_key,
    });
    expect(quotedEnvValues(plan)).toEqual([]);
  });

  it('marks exactly the secret variables for redaction', () => {
    const { plan } = planSample(blueskyRecipe);
    expect([...pdsOf(plan).secretEnv].sort()).toEqual(['PDS_ADMIN_PASSWORD', 'PDS_JWT_SECRET', 'PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX']);
  });

  it('generates secrets in the formats the installer makes', () => {
    const { secrets } = planSample(blueskyRecipe);
    expect(secrets.jwt_secret).toMatch(/^[0-9a-f]{32}$/);
    expect(secrets.admin_password).toMatch(/^[0-9a-f]{32}$/);
    expect(secrets.plc_rotation_key).toMatch(/^[0-9a-f]{64}$/);
    expect(blueskyRecipe.secrets.find((s) => s.name === 'plc_rotation_key')?.kind).toEqual({ type: 'secp256k1-hex' });
    expect(secrets.owner_password?.length).toBe(24);
  });

  it('turns the outside services off with empty settings and can point at a local PLC', () => {
    const env = pdsOf(planSample(blueskyRecipe, OFFLINE).plan).env;
    expect(env).toMatchObject({
      PDS_DID_PLC_URL: 'http://plc:2582',
      PDS_BSKY_APP_VIEW_URL: '',
      PDS_BSKY_APP_VIEW_DID: '',
      PDS_REPORT_SERVICE_URL: '',
      PDS_REPORT_SERVICE_DID: '',
      PDS_CRAWLERS: '',
    });
  });

  it('refuses an empty PLC URL (the PDS would silently use plc.directory) and malformed lists', () => {
    const bad: Record<string, string>[] = [{ plc_url: '' }, { crawlers: 'https://a.example, https://b.example' }, { appview_did: 'api.bsky.app' }];
    for (const settings of bad) {
      expect(() => planSample(blueskyRecipe, settings)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
    const env = pdsOf(planSample(blueskyRecipe, { crawlers: 'https://a.example,https://b.example' }).plan).env;
    expect(env.PDS_CRAWLERS).toBe('https://a.example,https://b.example');
  });

  it('keeps everything on one backed-up volume at the data directory', () => {
    const { plan } = planSample(blueskyRecipe);
    expect(plan.volumes.map((v) => [v.key, v.backup])).toEqual([['data', 'data']]);
    const pds = pdsOf(plan);
    expect(pds.mounts).toEqual([expect.objectContaining({ volume: 'data', target: pds.env.PDS_DATA_DIRECTORY, readOnly: false })]);
    expect(pds.env.PDS_BLOBSTORE_DISK_LOCATION?.startsWith(`${pds.env.PDS_DATA_DIRECTORY}/`)).toBe(true);
  });

  it('checks health on the port the PDS listens on, with a tool the official Alpine image has', () => {
    const { plan } = planSample(blueskyRecipe);
    const pds = pdsOf(plan);
    const test = pds.healthcheck?.test ?? [];
    expect(test[0]).toBe('CMD');
    expect(test[1]).toBe('wget');
    expect(test).not.toContain('-T'); // busybox wget's -T segfaults in Debian's build
    expect(test.at(-1)).toBe(`http://127.0.0.1:${pds.env.PDS_PORT}${plan.web.healthPath}`);
    expect(plan.web).toMatchObject({ service: 'pds', port: 'http', publicHost: `pds.${SAMPLE_DOMAIN}` });
    expect(pds.ports).toEqual([expect.objectContaining({ name: 'http', container: Number(pds.env.PDS_PORT) })]);
  });

  it('routes the PDS host and every handle to the PDS, with the specific rule first', () => {
    const { plan } = planSample(blueskyRecipe);
    const port = Number(pdsOf(plan).env.PDS_PORT);
    expect(plan.ingress).toEqual([
      { hostname: `pds.${SAMPLE_DOMAIN}`, service: 'pds', port },
      { hostname: `*.${SAMPLE_DOMAIN}`, service: 'pds', port },
    ]);
  });

  it('uses a layout Cloudflare’s free certificate covers', () => {
    const { plan } = planSample(blueskyRecipe);
    const env = pdsOf(plan).env;
    expect(checkPdsLayout(SAMPLE_DOMAIN, env.PDS_HOSTNAME as string, env.PDS_SERVICE_HANDLE_DOMAINS as string)).toBe('subdomain');
    expect(plan.hosts.pds).toBe(env.PDS_HOSTNAME);
  });

  it('names the owner’s password secret and describes itself in English and Japanese', () => {
    expect(blueskyRecipe.admin).toEqual({ kind: 'owner-account', passwordSecret: 'owner_password' });
    expect(blueskyRecipe.summary.en.length).toBeGreaterThan(100);
    expect(blueskyRecipe.summary.ja).toMatch(/[\u3040-\u30ff]/);
    const serviceMemory = blueskyRecipe.services.reduce((sum, s) => sum + (s.memoryMiB ?? 0), 0);
    expect(blueskyRecipe.memoryMiB).toBeGreaterThanOrEqual(serviceMemory);
  });

  it('creates the owner with an admin-authenticated invite code, then createAccount with that code', () => {
    const settings = withAdminSettings(blueskyRecipe, {}, { user: 'alice', email: 'alice@mail.example' });
    const { plan, secrets } = planSample(blueskyRecipe, settings);
    expect(plan.http).toEqual([
      expect.objectContaining({
        name: 'owner-invite',
        when: 'create',
        path: '/xrpc/com.atproto.server.createInviteCode',
        body: { useCount: 1 },
        basicAuth: { user: 'admin', password: secrets.admin_password },
        admin: true,
      }),
      expect.objectContaining({
        name: 'owner-account',
        when: 'create',
        path: '/xrpc/com.atproto.server.createAccount',
        body: { handle: `alice.${SAMPLE_DOMAIN}`, email: 'alice@mail.example', password: secrets.owner_password },
        bodyFromResponse: { step: 'owner-invite', field: 'code', as: 'inviteCode' },
        admin: true,
      }),
    ]);
    expect(plan.http[1]?.basicAuth).toBeUndefined();
    // the owner's password is printed nowhere: it is one of the values every output redacts
    expect(plan.secretValues).toContain(secrets.owner_password);
    expect(plan.web.publicHost).toBe(`pds.${SAMPLE_DOMAIN}`);
  });

  it('refuses an owner handle name the PDS would refuse, before anything is created', () => {
    for (const user of ['alice', 'bob2024', 'abc', 'a'.repeat(18)]) {
      expect(() => planSample(blueskyRecipe, { admin_user: user }), user).not.toThrow();
    }
    for (const user of ['ab', 'a'.repeat(19), 'admin', 'pds', 'www', 'bsky', 'Alice', 'al_ice', 'al-ice', 'al.ice', '']) {
      expect(() => planSample(blueskyRecipe, { admin_user: user }), user).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('3 to 18 lowercase letters or digits') }),
      );
    }
  });

  it('puts the PDS on the domain itself when the pds. prefix is emptied (a domain only for Bluesky)', () => {
    const { plan } = planSample(blueskyRecipe, { pds_prefix: '' });
    const env = pdsOf(plan).env;
    expect(env.PDS_HOSTNAME).toBe(SAMPLE_DOMAIN);
    expect(env.PDS_SERVICE_HANDLE_DOMAINS).toBe(`.${SAMPLE_DOMAIN}`);
    expect(plan.web.publicHost).toBe(SAMPLE_DOMAIN);
    expect(plan.ingress.map((r) => r.hostname)).toEqual([SAMPLE_DOMAIN, `*.${SAMPLE_DOMAIN}`]);
    expect(checkPdsLayout(SAMPLE_DOMAIN, env.PDS_HOSTNAME as string, env.PDS_SERVICE_HANDLE_DOMAINS as string)).toBe('apex');
  });

  it('offers no PDS host that Cloudflare’s free certificate would not cover', () => {
    for (const pds_prefix of ['bsky.pds.', 'pds', '.', 'x.']) {
      expect(() => planSample(blueskyRecipe, { pds_prefix }), pds_prefix).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });
});

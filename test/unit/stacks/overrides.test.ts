/**
 * Env overrides: the hard deny list (refused for anyone by plan()), the per-service allow-list a
 * backup's overrides must pass (restore as a new server and the drill plan only those), the lists
 * the shipped recipes declare, and the Cloudflare API token left out of a backup's secrets.
 */
import { describe, expect, it } from 'vitest';
import { backupSecrets, assertTunnelCredentials } from '../../../electron/core/backup/credentials';
import type { Manifest } from '../../../electron/core/backup/manifest';
import { restoreOverrides } from '../../../electron/core/backup/restore';
import { stagingOverrides, stagingPlan } from '../../../electron/core/backup/staging';
import type { BackupDeps } from '../../../electron/core/backup/types';
import { assertRecipe } from '../../../electron/core/stacks/assert-recipe';
import { blueskyRecipe } from '../../../electron/core/stacks/bluesky/recipe';
import { mastodonRecipe } from '../../../electron/core/stacks/mastodon/recipe';
import { misskeyRecipe } from '../../../electron/core/stacks/misskey/recipe';
import { backupOverrides, describeDropped, isDeniedEnv, isOverridable } from '../../../electron/core/stacks/overrides';
import { plan } from '../../../electron/core/stacks/plan';
import type { Recipe } from '../../../electron/core/stacks/types';
import type { TunnelRecord } from '../../../electron/core/tunnel/types';
import { manifestOf } from '../backup/raw-archive';
import { testRecipe } from '../instances/recipe';

const SECRETS = { db_password: 'p'.repeat(24), admin_password: 'a'.repeat(20) };

/** What a hostile backup asks for: code loading, another tunnel, an unknown key, and two allowed ones. */
const HOSTILE = [
  { service: 'web', key: 'NODE_OPTIONS', value: '--require /data/payload.js' },
  { service: 'web', key: 'LD_PRELOAD', value: '/data/payload.so' },
  { service: 'web', key: 'TUNNEL_TOKEN', value: 'someone-elses-tunnel' },
  { service: 'web', key: 'UNKNOWN_KEY', value: 'x' },
  { service: 'db', key: 'GREETING', value: 'not a db setting' },
  { service: 'web', key: 'GREETING', value: 'hello' },
  { service: 'web', key: 'MAIL_HOST', value: 'smtp.example.org' },
];
const manifest = (overrides = HOSTILE, tunnel?: TunnelRecord): Manifest =>
  manifestOf([], {
    stack: { id: testRecipe.id, version: testRecipe.version },
    instance: {
      name: 'blog',
      domain: 'blog.example.org',
      createdAt: new Date(0).toISOString(),
      settings: {},
      overrides,
      ports: {},
      admin: null,
      ...(tunnel && { tunnel }),
    },
  });
const envOf = (p: ReturnType<typeof plan>, service: string) => p.services.find((s) => s.name === service)?.env ?? {};

describe('the hard deny list', () => {
  it('holds the variables that load code or move the tunnel, by name and by prefix', () => {
    for (const key of ['NODE_OPTIONS', 'LD_PRELOAD', 'LD_LIBRARY_PATH', 'DYLD_INSERT_LIBRARIES', 'TUNNEL_TOKEN', 'TUNNEL_ORIGIN_CERT', 'RUBYOPT', 'PATH']) {
      expect(isDeniedEnv(key), key).toBe(true);
    }
    for (const key of ['GREETING', 'SMTP_SERVER', 'PDS_DID_PLC_URL', 'node_options_like', 'MY_LD_PRELOAD']) expect(isDeniedEnv(key), key).toBe(false);
  });

  it('is refused by plan() for the user’s own --set, with INVALID_INPUT naming the variable; other keys the user sets stay allowed', () => {
    for (const key of ['NODE_OPTIONS', 'LD_PRELOAD', 'TUNNEL_TOKEN']) {
      expect(() =>
        plan(testRecipe, { instance: 'blog', domain: 'blog.example.org', secrets: SECRETS, overrides: [{ service: 'web', key, value: 'x' }] }),
      ).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining(`Cannot set web.${key}: Engawa never sets ${key}`) }));
    }
    // not on the recipe's list, but the user's own input: applied
    const p = plan(testRecipe, {
      instance: 'blog',
      domain: 'blog.example.org',
      secrets: SECRETS,
      overrides: [{ service: 'db', key: 'UNKNOWN_KEY', value: 'mine' }],
    });
    expect(envOf(p, 'db').UNKNOWN_KEY).toBe('mine');
  });
});

describe('a backup’s overrides', () => {
  it('keep only what the recipe lists for that service, never a denied one even when listed, and say why each other one went', () => {
    expect(isOverridable(testRecipe, 'web', 'NODE_OPTIONS')).toBe(false); // listed by the test recipe: the deny list wins
    expect(isOverridable(testRecipe, 'web', 'MAIL_PORT')).toBe(true); // MAIL_*
    const { kept, dropped } = backupOverrides(testRecipe, HOSTILE);
    expect(kept).toEqual([
      { service: 'web', key: 'GREETING', value: 'hello' },
      { service: 'web', key: 'MAIL_HOST', value: 'smtp.example.org' },
    ]);
    expect(dropped).toEqual([
      { service: 'web', key: 'NODE_OPTIONS', reason: 'denied' },
      { service: 'web', key: 'LD_PRELOAD', reason: 'denied' },
      { service: 'web', key: 'TUNNEL_TOKEN', reason: 'denied' },
      { service: 'web', key: 'UNKNOWN_KEY', reason: 'not-overridable' },
      { service: 'db', key: 'GREETING', reason: 'not-overridable' },
    ]);
    expect(describeDropped(dropped)).toBe(
      'web.NODE_OPTIONS, web.LD_PRELOAD, web.TUNNEL_TOKEN (Engawa never sets these); web.UNKNOWN_KEY, db.GREETING (not a setting a backup may change)',
    );
  });

  it('are filtered for a restore as a new server; a server it replaces keeps its own overrides', () => {
    const m = manifest();
    expect(restoreOverrides(undefined, testRecipe, m)).toEqual(backupOverrides(testRecipe, HOSTILE));
    const own = [{ service: 'db', key: 'UNKNOWN_KEY', value: 'the server’s own' }];
    expect(restoreOverrides({ overrides: own }, testRecipe, m)).toEqual({ kept: own, dropped: [] });
  });

  it('reach the drill’s (and a restore’s) temporary copy only when allowed', () => {
    const deps = { images: {} } as unknown as BackupDeps;
    const target = { recipe: testRecipe, manifest: manifest(), secrets: SECRETS, instance: 'drill-0001' };
    const p = stagingPlan(deps, target);
    const all = p.services.flatMap((s) => Object.keys(s.env));
    for (const key of ['NODE_OPTIONS', 'LD_PRELOAD', 'TUNNEL_TOKEN', 'UNKNOWN_KEY']) expect(all).not.toContain(key);
    expect(envOf(p, 'web')).toMatchObject({ GREETING: 'hello', MAIL_HOST: 'smtp.example.org' });
    expect(envOf(p, 'db')).not.toHaveProperty('GREETING');
    expect(stagingOverrides(target).dropped.map((d) => d.key)).toEqual(['NODE_OPTIONS', 'LD_PRELOAD', 'TUNNEL_TOKEN', 'UNKNOWN_KEY', 'GREETING']);
    // a restore over a server stages with that server's own overrides, and drops nothing of them
    const own = stagingPlan(deps, { ...target, overrides: [{ service: 'db', key: 'UNKNOWN_KEY', value: 'own' }] });
    expect(envOf(own, 'db').UNKNOWN_KEY).toBe('own');
    expect(envOf(own, 'web')).not.toHaveProperty('GREETING');
  });
});

describe('the shipped recipes’ allow-lists', () => {
  const shipped: Recipe[] = [mastodonRecipe, misskeyRecipe, blueskyRecipe];

  it('list no denied variable, and pass the recipe check', () => {
    for (const r of shipped) {
      for (const s of r.services) for (const p of s.overridable ?? []) expect(isDeniedEnv(p.replace(/\*$/, 'X')), `${r.id}.${s.name}: ${p}`).toBe(false);
      expect(() => assertRecipe(structuredClone(r))).not.toThrow();
    }
  });

  it('let a backup change mail, storage and outside services, never names, keys, databases or code loading', () => {
    const allowed = (r: Recipe, service: string, key: string) => isOverridable(r, service, key);
    expect(allowed(mastodonRecipe, 'web', 'SMTP_AUTH_METHOD')).toBe(true);
    expect(allowed(mastodonRecipe, 'sidekiq', 'S3_BUCKET')).toBe(true);
    for (const key of ['LOCAL_DOMAIN', 'SECRET_KEY_BASE', 'DB_HOST', 'REDIS_HOST', 'RAILS_ENV', 'NODE_OPTIONS', 'RUBYOPT']) {
      expect(allowed(mastodonRecipe, 'web', key), key).toBe(false);
    }
    expect(allowed(mastodonRecipe, 'db', 'PGDATA')).toBe(false);
    expect(allowed(blueskyRecipe, 'pds', 'PDS_DID_PLC_URL')).toBe(true);
    for (const key of ['PDS_HOSTNAME', 'PDS_JWT_SECRET', 'PDS_DATA_DIRECTORY', 'PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX']) {
      expect(allowed(blueskyRecipe, 'pds', key), key).toBe(false);
    }
    for (const key of ['NODE_OPTIONS', 'MISSKEY_CONFIG_YML', 'TZ']) expect(allowed(misskeyRecipe, 'web', key), key).toBe(false);
  });

  it('are checked as env names or prefixes by the recipe check', () => {
    const bad = structuredClone(testRecipe);
    (bad.services[1] as { overridable?: string[] }).overridable = ['OK_*', 'not valid'];
    expect(() => assertRecipe(bad)).toThrow(/services\[1\]\.overridable\[1\]/);
  });
});

describe('a backup’s secrets', () => {
  it('leave out the Cloudflare API token and keep the tunnel token', () => {
    const secrets = { ...SECRETS, tunnel_token: 'connector', cloudflare_api_token: 'dns-of-every-zone' };
    expect(backupSecrets(secrets)).toEqual({ ...SECRETS, tunnel_token: 'connector' });
    expect(secrets).toHaveProperty('cloudflare_api_token'); // the instance's own are untouched
  });

  it('make a restore of an api-mode tunnel as a new server need the token, unless an older backup carries it', () => {
    const tunnel: TunnelRecord = {
      mode: 'api',
      protocol: 'auto',
      publicHost: 'blog.example.org',
      name: 'engawa-blog-abc123',
      zone: { id: 'z', name: 'example.org' },
      accountId: 'a',
      hostnames: ['blog.example.org'],
      dnsRecords: [],
    };
    const m = manifest([], tunnel);
    expect(() => assertTunnelCredentials(m, { ...SECRETS, tunnel_token: 't' })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', details: { reason: 'tunnel-token', path: 'apiToken' } }),
    );
    expect(() => assertTunnelCredentials(m, { ...SECRETS, tunnel_token: 't', cloudflare_api_token: 'old' })).not.toThrow();
    expect(() => assertTunnelCredentials(manifest([]), SECRETS)).not.toThrow();
  });
});

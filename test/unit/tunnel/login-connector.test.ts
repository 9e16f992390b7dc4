import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeProject } from '../../../electron/core/stacks/compose';
import { plan } from '../../../electron/core/stacks/plan';
import { generateSecrets } from '../../../electron/core/stacks/secrets';
import type { Recipe } from '../../../electron/core/stacks/types';
import { blueskyRecipe } from '../../../electron/core/stacks/bluesky/recipe';
import { mastodonRecipe } from '../../../electron/core/stacks/mastodon/recipe';
import { misskeyRecipe } from '../../../electron/core/stacks/misskey/recipe';
import { CLOUDFLARED_IMAGE, CONNECTOR_SERVICE, connectorService } from '../../../electron/core/tunnel/connector';
import { buildIngress } from '../../../electron/core/tunnel/ingress';
import { recipeWithTunnel } from '../../../electron/core/tunnel/instance-tunnel';
import {
  CLOUDFLARED_HOME,
  credentialsFile,
  instanceOfVolume,
  LOGIN_CONFIG_FILE,
  loginVolumeName,
  renderLoginConfig,
  TUNNEL_ID_PLACEHOLDER,
  withLoginConnector,
} from '../../../electron/core/tunnel/login-connector';
import type { TunnelRecord } from '../../../electron/core/tunnel/types';

const ID = '6ff42ae2-765d-4adf-8112-31c55c1551ef';

function loginRecord(over: Partial<Extract<TunnelRecord, { mode: 'login' }>> = {}): TunnelRecord {
  return {
    mode: 'login',
    protocol: 'auto',
    publicHost: 'x',
    name: 'engawa-s-abc123',
    volume: 'engawa-s_cloudflared',
    hostnames: [],
    routed: [],
    tunnelId: ID,
    ...over,
  };
}

function planned(recipe: Recipe, domain: string, tunnel = loginRecord()) {
  const r = recipeWithTunnel(recipe, tunnel);
  return plan(r, { instance: 's', domain, secrets: generateSecrets(r, {}) });
}

/** The connector's config file of a plan, as cloudflared's YAML reader sees it. */
function configOf(p: ReturnType<typeof planned>): { 'credentials-file': string; ingress: unknown[] } {
  const file = p.services.find((s) => s.name === CONNECTOR_SERVICE)?.files.find((f) => f.path === LOGIN_CONFIG_FILE);
  return parse(file!.content) as { 'credentials-file': string; ingress: unknown[] };
}

describe('the sign-in connector', () => {
  it.each([
    ['Mastodon', mastodonRecipe, 'social.example.com'],
    ['Misskey', misskeyRecipe, 'misskey.example.com'],
    ['Bluesky PDS', blueskyRecipe, 'example.com'],
  ] as const)('%s: the config file holds exactly the ingress of the API path (same order, 404 catch-all last)', (_name, recipe, domain) => {
    const p = planned(recipe, domain);
    const config = configOf(p);
    expect(config.ingress).toEqual(buildIngress(p).ingress);
    expect(config.ingress.at(-1)).toEqual({ service: 'http_status:404' });
    expect(config['credentials-file']).toBe(`${CLOUDFLARED_HOME}/.cloudflared/${ID}.json`);
  });

  it('Mastodon: the streaming path rule comes before the web rule in the file', () => {
    const { ingress } = configOf(planned(mastodonRecipe, 'social.example.com'));
    expect(ingress.slice(0, 2)).toEqual([
      { hostname: 'social.example.com', path: '^/api/v1/streaming', service: 'http://streaming:4000' },
      { hostname: 'social.example.com', service: 'http://web:3000' },
    ]);
  });

  it('runs the tunnel by name with that config, the home volume read-only, no token, no published port', () => {
    const p = planned(misskeyRecipe, 'misskey.example.com', loginRecord({ protocol: 'http2' }));
    const c = p.services.find((s) => s.name === CONNECTOR_SERVICE)!;
    expect(c.image).toBe(CLOUDFLARED_IMAGE);
    expect(c.command).toEqual([
      'tunnel',
      '--no-autoupdate',
      '--metrics',
      '127.0.0.1:20241',
      '--protocol',
      'http2',
      '--config',
      LOGIN_CONFIG_FILE,
      'run',
      'engawa-s-abc123',
    ]);
    expect(c.mounts).toEqual([{ source: 'engawa-s_cloudflared', volume: 'cloudflared', target: CLOUDFLARED_HOME, readOnly: true }]);
    expect(c.env).toEqual({ HOME: CLOUDFLARED_HOME });
    expect(c.files.map((f) => [f.path, f.secret])).toEqual([[LOGIN_CONFIG_FILE, false]]);
    expect(c.ports).toEqual([]);
    expect(c.healthcheck).toEqual(connectorService({ protocol: 'auto' }).healthcheck);
    expect(p.secretValues).toEqual(expect.not.arrayContaining([expect.stringMatching(/^ey/)]));
    expect(p.volumes.find((v) => v.key === 'cloudflared')).toMatchObject({ name: loginVolumeName(p.project), backup: 'data' });
    expect(instanceOfVolume(loginVolumeName(p.project))).toBe('s');
  });

  it('before the tunnel exists (engawa plan) the credentials path is a placeholder; once it exists, the config changes', () => {
    const before = planned(misskeyRecipe, 'misskey.example.com', loginRecord({ tunnelId: undefined }));
    const after = planned(misskeyRecipe, 'misskey.example.com');
    expect(configOf(before)['credentials-file']).toBe(credentialsFile(TUNNEL_ID_PLACEHOLDER));
    const hash = (p: typeof before) => p.services.find((s) => s.name === CONNECTOR_SERVICE)!.configHash;
    expect(hash(before)).not.toBe(hash(after));
  });

  it('the compose export carries the config file', () => {
    const p = planned(misskeyRecipe, 'misskey.example.com');
    const file = composeProject(p).files.find((f) => f.path.endsWith(LOGIN_CONFIG_FILE));
    expect(parse(file!.content)).toEqual(configOf(p));
  });

  it('quotes what YAML would otherwise misread (wildcards, regular expressions)', () => {
    const text = renderLoginConfig(
      { ingress: [{ hostname: '*.example.com', path: '^/a\\d+$|: #x', service: 'http://pds:3000' }, { service: 'http_status:404' }] },
      '/c.json',
    );
    expect(parse(text)).toEqual({
      'credentials-file': '/c.json',
      ingress: [{ hostname: '*.example.com', path: '^/a\\d+$|: #x', service: 'http://pds:3000' }, { service: 'http_status:404' }],
    });
  });

  it('refuses a recipe that already has a cloudflared service', () => {
    const once = withLoginConnector(misskeyRecipe, { protocol: 'auto', tunnelName: 'n' });
    expect(() => withLoginConnector(once, { protocol: 'auto', tunnelName: 'n' })).toThrow(/already has a service or volume called "cloudflared"/);
  });
});

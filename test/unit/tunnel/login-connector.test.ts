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
  LOGIN_CREDENTIALS_FILE,
  loginVolumeName,
  renderLoginConfig,
  TUNNEL_ID_PLACEHOLDER,
  withLoginConnector,
} from '../../../electron/core/tunnel/login-connector';
import { TUNNEL_SECRETS, type TunnelRecord } from '../../../electron/core/tunnel/types';

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

const CREDENTIALS = JSON.stringify({ AccountTag: 'account-id', TunnelSecret: 'c2VjcmV0LW9mLXRoZS10dW5uZWwtMzItYnl0ZXMhIQ==', TunnelID: ID });

/** The plan of instance "s" with `tunnel`; `secrets` as stored (default: with the tunnel's credentials, as Engawa keeps them now). */
function planned(recipe: Recipe, domain: string, tunnel = loginRecord(), stored: Record<string, string> = { [TUNNEL_SECRETS.credentials]: CREDENTIALS }) {
  const base = generateSecrets(recipe, {});
  const r = recipeWithTunnel(recipe, tunnel, { ...base, ...stored });
  return plan(r, { instance: 's', domain, secrets: { ...base, ...stored } });
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
    expect(config['credentials-file']).toBe(LOGIN_CREDENTIALS_FILE);
  });

  it('Mastodon: the streaming path rule comes before the web rule in the file', () => {
    const { ingress } = configOf(planned(mastodonRecipe, 'social.example.com'));
    expect(ingress.slice(0, 2)).toEqual([
      { hostname: 'social.example.com', path: '^/api/v1/streaming', service: 'http://streaming:4000' },
      { hostname: 'social.example.com', service: 'http://web:3000' },
    ]);
  });

  it('runs the tunnel by name with that config and only its credentials file: no cert.pem, no volume, no token, no published port', () => {
    const p = planned(misskeyRecipe, 'misskey.example.com', loginRecord({ protocol: 'http2' }));
    const c = p.services.find((s) => s.name === CONNECTOR_SERVICE)!;
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
    expect(c.mounts).toEqual([]);
    expect(c.env).toEqual({ HOME: CLOUDFLARED_HOME });
    expect(c.files.map((f) => [f.path, f.secret, f.mode, f.uid])).toEqual([
      [LOGIN_CONFIG_FILE, false, 0o444, 65532],
      [LOGIN_CREDENTIALS_FILE, true, 0o400, 65532],
    ]);
    expect(c.files.find((f) => f.path === LOGIN_CREDENTIALS_FILE)?.content).toBe(CREDENTIALS);
    expect(p.secretValues).toContain(CREDENTIALS);
    expect(c.ports).toEqual([]);
    // cloudflared's home (cert.pem) is not part of the instance: no backup holds it
    expect(p.volumes.map((v) => v.key)).not.toContain('cloudflared');
  });

  it('an instance of an earlier Engawa (no credentials in its secrets) keeps reading them from the home volume, read-only', () => {
    const p = planned(misskeyRecipe, 'misskey.example.com', loginRecord({ protocol: 'http2' }), {});
    const c = p.services.find((s) => s.name === CONNECTOR_SERVICE)!;
    expect(configOf(p)['credentials-file']).toBe(`${CLOUDFLARED_HOME}/.cloudflared/${ID}.json`);
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

  it('the config names the kept credentials file before and after the tunnel exists; the one of an earlier Engawa names the tunnel id', () => {
    const before = planned(misskeyRecipe, 'misskey.example.com', loginRecord({ tunnelId: undefined }));
    const after = planned(misskeyRecipe, 'misskey.example.com');
    expect(configOf(before)['credentials-file']).toBe(LOGIN_CREDENTIALS_FILE);
    const hash = (p: typeof before) => p.services.find((s) => s.name === CONNECTOR_SERVICE)!.configHash;
    expect(hash(before)).toBe(hash(after)); // the id is not in the connector's definition: nothing to recreate once it is known
    const earlier = planned(misskeyRecipe, 'misskey.example.com', loginRecord(), {});
    expect(configOf(earlier)['credentials-file']).toBe(credentialsFile(ID));
    expect(parse(renderLoginConfig({ ingress: [] }, credentialsFile(TUNNEL_ID_PLACEHOLDER)))['credentials-file']).toBe(
      `${CLOUDFLARED_HOME}/.cloudflared/${TUNNEL_ID_PLACEHOLDER}.json`,
    );
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

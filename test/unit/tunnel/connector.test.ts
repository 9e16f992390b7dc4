import { describe, expect, it } from 'vitest';
import { composeProject } from '../../../electron/core/stacks/compose';
import { plan } from '../../../electron/core/stacks/plan';
import { redactPlan } from '../../../electron/core/plan/redact';
import { generateSecrets } from '../../../electron/core/stacks/secrets';
import { misskeyRecipe } from '../../../electron/core/stacks/misskey/recipe';
import { CLOUDFLARED_IMAGE, CONNECTOR_SERVICE, TOKEN_FILE, withConnector } from '../../../electron/core/tunnel/connector';

const TOKEN = Buffer.from(JSON.stringify({ a: 'acc', t: '6ff42ae2-765d-4adf-8112-31c55c1551ef', s: 'c2VjcmV0' })).toString('base64');

const SECRETS = generateSecrets(withConnector(misskeyRecipe, { protocol: 'auto' }), { tunnel_token: TOKEN });

function planned(protocol: 'auto' | 'http2' = 'auto') {
  return plan(withConnector(misskeyRecipe, { protocol }), { instance: 'mk', domain: 'misskey.example.com', secrets: SECRETS });
}

describe('the connector service', () => {
  it('runs the pinned cloudflared on the instance network with the token in a file, metrics and a ready check, no ports', () => {
    const p = planned();
    const c = p.services.find((s) => s.name === CONNECTOR_SERVICE)!;
    expect(c.image).toBe(CLOUDFLARED_IMAGE);
    expect(CLOUDFLARED_IMAGE).toMatch(/^cloudflare\/cloudflared:\d{4}\.\d+\.\d+$/);
    expect(c.command).toEqual(['tunnel', '--no-autoupdate', '--metrics', '127.0.0.1:20241', 'run']);
    expect(c.env).toEqual({ TUNNEL_TOKEN_FILE: TOKEN_FILE });
    expect(c.files).toEqual([{ path: TOKEN_FILE, content: TOKEN, mode: 0o400, uid: 65532, gid: 65532, secret: true }]);
    expect(c.healthcheck?.test).toEqual(['CMD', 'cloudflared', 'tunnel', '--metrics', '127.0.0.1:20241', 'ready']);
    expect(c.restart).toBe('unless-stopped');
    expect(c.ports).toEqual([]);
    expect(c.labels['com.docker.compose.project']).toBe(p.project);
  });

  it('forces HTTP/2 when asked (UDP blocked)', () => {
    const c = planned('http2').services.find((s) => s.name === CONNECTOR_SERVICE)!;
    expect(c.command).toEqual(['tunnel', '--no-autoupdate', '--metrics', '127.0.0.1:20241', '--protocol', 'http2', 'run']);
  });

  it('keeps the token out of the command, the environment, the shown plan and the compose file', () => {
    const p = planned();
    const c = p.services.find((s) => s.name === CONNECTOR_SERVICE)!;
    expect(JSON.stringify([c.command, c.env, c.healthcheck, c.labels])).not.toContain(TOKEN);
    expect(p.secretValues).toContain(TOKEN);
    expect(JSON.stringify(redactPlan(p, false))).not.toContain(TOKEN);
    const compose = composeProject(p).files.find((f) => f.path.endsWith('compose.yaml'))!;
    expect(compose.content).not.toContain(TOKEN);
  });

  it('is pure: the recipe is untouched and the same input gives the same plan', () => {
    const before = JSON.stringify(misskeyRecipe);
    expect(planned()).toEqual(planned());
    expect(JSON.stringify(misskeyRecipe)).toBe(before);
    expect(misskeyRecipe.services.some((s) => s.name === CONNECTOR_SERVICE)).toBe(false);
  });

  it('a changed token recreates the connector (its config hash changes)', () => {
    const recipe = withConnector(misskeyRecipe, { protocol: 'auto' });
    const secrets = generateSecrets(recipe, { tunnel_token: TOKEN });
    const a = plan(recipe, { instance: 'mk', domain: 'misskey.example.com', secrets });
    const b = plan(recipe, { instance: 'mk', domain: 'misskey.example.com', secrets: { ...secrets, tunnel_token: `${TOKEN}x` } });
    const hash = (p: typeof a) => p.services.find((s) => s.name === CONNECTOR_SERVICE)!.configHash;
    expect(hash(a)).not.toBe(hash(b));
  });

  it('refuses a recipe that already has a service with its name', () => {
    expect(() => withConnector(withConnector(misskeyRecipe, { protocol: 'auto' }), { protocol: 'auto' })).toThrow(/already has a service/);
  });
});

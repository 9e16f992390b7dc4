import { describe, expect, it } from 'vitest';
import { plan } from '../../../electron/core/stacks/plan';
import { generateSecrets } from '../../../electron/core/stacks/secrets';
import type { Recipe } from '../../../electron/core/stacks/types';
import { blueskyRecipe } from '../../../electron/core/stacks/bluesky/recipe';
import { mastodonRecipe } from '../../../electron/core/stacks/mastodon/recipe';
import { misskeyRecipe } from '../../../electron/core/stacks/misskey/recipe';
import { loadRecipeFile } from '../../../electron/core/stacks/registry';
import { buildIngress, ingressHostnames, matchIngress } from '../../../electron/core/tunnel/ingress';
import type { IngressRuleJson } from '../../../electron/core/tunnel/types';

const testWeb = loadRecipeFile(new URL('../../fixtures/recipes/test-web.json', import.meta.url).pathname);

function configOf(recipe: Recipe, domain: string, settings: Record<string, string> = {}) {
  return buildIngress(plan(recipe, { instance: 'x', domain, secrets: generateSecrets(recipe, {}), settings }));
}

/** The service a request reaches. */
const route = (rules: IngressRuleJson[], host: string, path = '/') => matchIngress(rules, host, path).rule.service;

describe('buildIngress per stack', () => {
  it('Mastodon: the streaming path before the web rule on the same host, then the 404 catch-all', () => {
    const { ingress } = configOf(mastodonRecipe, 'social.example.com');
    expect(ingress).toEqual([
      { hostname: 'social.example.com', path: '^/api/v1/streaming', service: 'http://streaming:4000' },
      { hostname: 'social.example.com', service: 'http://web:3000' },
      { service: 'http_status:404' },
    ]);
    expect(route(ingress, 'social.example.com', '/api/v1/streaming')).toBe('http://streaming:4000');
    expect(route(ingress, 'social.example.com', '/api/v1/streaming/user')).toBe('http://streaming:4000');
    expect(route(ingress, 'social.example.com', '/api/v1/timelines/home')).toBe('http://web:3000');
    // anchored: a path that merely contains the streaming path goes to web
    expect(route(ingress, 'social.example.com', '/x/api/v1/streaming')).toBe('http://web:3000');
    expect(route(ingress, 'other.example.com', '/api/v1/streaming')).toBe('http_status:404');
  });

  it('Misskey: one host to the web service; its /streaming websocket goes there too', () => {
    const { ingress } = configOf(misskeyRecipe, 'misskey.example.com');
    expect(ingress).toEqual([{ hostname: 'misskey.example.com', service: 'http://web:3000' }, { service: 'http_status:404' }]);
    expect(route(ingress, 'misskey.example.com', '/streaming')).toBe('http://web:3000');
    expect(ingressHostnames({ ingress })).toEqual(['misskey.example.com']);
  });

  it('Bluesky PDS: the PDS host and the handle wildcard, both one level below the zone', () => {
    const { ingress } = configOf(blueskyRecipe, 'example.com');
    expect(ingress.map((r) => r.hostname)).toEqual(['pds.example.com', '*.example.com', undefined]);
    expect(route(ingress, 'pds.example.com', '/xrpc/_health')).toBe('http://pds:3000');
    expect(route(ingress, 'alice.example.com', '/.well-known/atproto-did')).toBe('http://pds:3000');
    expect(route(ingress, 'example.com')).toBe('http_status:404');
    expect(ingressHostnames({ ingress })).toEqual(['pds.example.com', '*.example.com']);
  });

  it('Bluesky PDS on a dedicated apex', () => {
    const { ingress } = configOf(blueskyRecipe, 'example.com', { pds_prefix: '' });
    expect(ingressHostnames({ ingress })).toEqual(['example.com', '*.example.com']);
    expect(route(ingress, 'example.com', '/xrpc/_health')).toBe('http://pds:3000');
  });

  it('the test recipe: its web service on the instance network', () => {
    const { ingress } = configOf(testWeb, 'blog.example.com');
    expect(ingress).toEqual([{ hostname: 'blog.example.com', service: 'http://web:8080' }, { service: 'http_status:404' }]);
  });

  it('never rewrites the Host header (no originRequest at all)', () => {
    for (const recipe of [mastodonRecipe, misskeyRecipe, blueskyRecipe, testWeb]) {
      expect(JSON.stringify(configOf(recipe, 'example.com'))).not.toMatch(/originRequest|httpHostHeader/);
    }
  });

  it('refuses a recipe whose rule can never match (a path rule after the host rule)', () => {
    const broken: Recipe = {
      ...mastodonRecipe,
      ingress: [
        { hostname: '{{domain}}', service: 'web', port: 3000 },
        { hostname: '{{domain}}', path: '^/api/v1/streaming', service: 'streaming', port: 4000 },
      ],
    };
    expect(() => configOf(broken, 'social.example.com')).toThrow(/rule 2 never matches/);
  });

  it('refuses a wildcard that is not a leading "*."', () => {
    const broken: Recipe = { ...misskeyRecipe, ingress: [{ hostname: 'a*.{{domain}}', service: 'web', port: 3000 }] };
    expect(() => configOf(broken, 'example.com')).toThrow(/wildcard/);
  });
});

describe('matchIngress (cloudflared semantics)', () => {
  const rules: IngressRuleJson[] = [
    { hostname: 'a.example.com', path: 'static', service: 'http://static:1' },
    { hostname: 'a.example.com', service: 'http://a:1' },
    { hostname: '*.example.com', service: 'http://wild:1' },
    { service: 'http_status:404' },
  ];

  it('first match wins, top to bottom', () => {
    expect(matchIngress(rules, 'a.example.com', '/')).toEqual({ rule: rules[1], index: 1 });
  });

  it('a path without anchors matches anywhere in the path', () => {
    expect(route(rules, 'a.example.com', '/x/static/y')).toBe('http://static:1');
    expect(route(rules, 'a.example.com', '/assets/staticfile')).toBe('http://static:1');
  });

  it('"*.zone" matches one label or more below the zone, never the zone itself', () => {
    expect(route(rules, 'b.example.com')).toBe('http://wild:1');
    expect(route(rules, 'x.y.example.com')).toBe('http://wild:1');
    expect(route(rules, 'example.com')).toBe('http_status:404');
    expect(route(rules, 'badexample.com')).toBe('http_status:404');
  });

  it('ignores a port in the Host header, including a bracketed IPv6 host', () => {
    expect(route(rules, 'a.example.com:443')).toBe('http://a:1');
    expect(route([{ hostname: '::1', service: 'http://v6:1' }, { service: 'http_status:404' }], '[::1]:8080')).toBe('http://v6:1');
  });

  it('compares host names exactly, as cloudflared does (case-sensitive)', () => {
    expect(route(rules, 'A.example.com')).toBe('http://wild:1');
  });

  it('a Unicode rule hostname also matches its punycode form', () => {
    const idn: IngressRuleJson[] = [{ hostname: 'bücher.example', service: 'http://b:1' }, { service: 'http_status:404' }];
    expect(route(idn, 'xn--bcher-kva.example')).toBe('http://b:1');
  });

  it('falls back to the last rule when nothing matches', () => {
    const noCatchAll: IngressRuleJson[] = [
      { hostname: 'a.example.com', service: 'http://a:1' },
      { hostname: 'b.example.com', service: 'http://b:1' },
    ];
    expect(matchIngress(noCatchAll, 'c.example.com', '/').index).toBe(1);
  });

  it('a rule with "*" or no hostname matches every host', () => {
    expect(route([{ hostname: '*', path: '^/x$', service: 'http://x:1' }, { service: 'http_status:404' }], 'any.where', '/x')).toBe('http://x:1');
  });

  it('needs at least one rule', () => {
    expect(() => matchIngress([], 'a', '/')).toThrow(/at least one rule/);
  });
});

import { describe, expect, it } from 'vitest';
import { parseConnectorToken, dashboardInstructions } from '../../../electron/core/tunnel/token';

const ID = '6ff42ae2-765d-4adf-8112-31c55c1551ef';
const token = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');

describe('parseConnectorToken', () => {
  it('reads the account and tunnel of a real-shaped token', () => {
    expect(parseConnectorToken(`  ${token({ a: 'acc1', t: ID.toUpperCase(), s: 'c2VjcmV0' })}\n`)).toEqual({ accountId: 'acc1', tunnelId: ID });
  });

  it.each([
    ['plain text', 'hello world'],
    ['base64 of something else', Buffer.from('not json').toString('base64')],
    ['JSON without the tunnel id', token({ a: 'acc', s: 'x' })],
    ['a tunnel id that is not a UUID', token({ a: 'acc', t: 'abc', s: 'x' })],
  ])('refuses %s without quoting it', (_n, value) => {
    expect(() => parseConnectorToken(value)).toThrow(/not a Cloudflare Tunnel token/);
    try {
      parseConnectorToken(value);
    } catch (e) {
      expect((e as Error).message).not.toContain(value);
    }
  });
});

describe('dashboardInstructions', () => {
  it('lists each public hostname with its path and service URL in order, and the DNS a wildcard needs', () => {
    const lines = dashboardInstructions(
      {
        ingress: [
          { hostname: 'social.example.com', path: '^/api/v1/streaming', service: 'http://streaming:4000' },
          { hostname: 'social.example.com', service: 'http://web:3000' },
          { hostname: '*.example.com', service: 'http://pds:3000' },
          { service: 'http_status:404' },
        ],
      },
      ID,
    );
    const text = lines.join('\n');
    expect(lines.slice(1, 4)).toEqual([
      '  social.example.com  path ^/api/v1/streaming  →  service http://streaming:4000',
      '  social.example.com  →  service http://web:3000',
      '  *.example.com  →  service http://pds:3000',
    ]);
    expect(text).toContain(`name *.example.com, target ${ID}.cfargotunnel.com, proxied`);
    expect(text).toMatch(/Leave "HTTP Host Header" empty/);
    expect(text).not.toContain('http_status');
  });
});

describe('tokenPageUrl', () => {
  it('pre-fills the three permissions for all accounts and zones, with a checklist to fall back on', async () => {
    const { tokenPageUrl, TOKEN_CHECKLIST } = await import('../../../electron/core/tunnel/token-page');
    const u = new URL(tokenPageUrl('Engawa home'));
    expect(u.origin + u.pathname).toBe('https://dash.cloudflare.com/profile/api-tokens');
    expect(JSON.parse(u.searchParams.get('permissionGroupKeys')!)).toEqual([
      { key: 'argotunnel', type: 'edit' },
      { key: 'dns', type: 'edit' },
      { key: 'zone', type: 'read' },
    ]);
    expect([u.searchParams.get('accountId'), u.searchParams.get('zoneId'), u.searchParams.get('name')]).toEqual(['*', 'all', 'Engawa home']);
    expect(TOKEN_CHECKLIST).toEqual(['Account → Cloudflare Tunnel → Edit', 'Zone → DNS → Edit', 'Zone → Zone → Read']);
  });
});

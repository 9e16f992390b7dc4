/**
 * A backup's manifest is untrusted: the strict schema refuses unknown keys at every level, values
 * beyond their bounds and names Engawa would never write; a restore derives Docker names from the
 * restored instance's own name (ownTunnel), never from the file.
 */
import { describe, expect, it } from 'vitest';
import { checkManifest, type Manifest } from '../../../electron/core/backup/manifest';
import { keepCurrentCredentials, ownTunnel } from '../../../electron/core/backup/restore';
import { entryFor, manifestOf } from './raw-archive';

const ok = manifestOf([entryFor('secrets.json', 'secrets', Buffer.from('{}'))]);
const refusal = (m: unknown): string => {
  try {
    checkManifest(JSON.stringify(m));
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
};
const login = {
  mode: 'login',
  protocol: 'auto',
  publicHost: 'raw.example.com',
  name: 'engawa-raw-1a2b3c',
  volume: 'engawa-victim_cloudflared',
  hostnames: ['raw.example.com'],
  routed: [],
};

describe('the strict manifest', () => {
  it('accepts what Engawa writes, tunnels included', () => {
    expect(refusal(ok)).toBe('accepted');
    expect(refusal({ ...ok, instance: { ...ok.instance, tunnel: null } })).toBe('accepted');
    expect(refusal({ ...ok, instance: { ...ok.instance, tunnel: login } })).toBe('accepted');
    expect(
      refusal({ ...ok, instance: { ...ok.instance, tunnel: { mode: 'token', protocol: 'http2', publicHost: 'raw.example.com', tunnelId: 'c0ffee-12' } } }),
    ).toBe('accepted');
  });

  it.each([
    ['an unknown key at the top', { ...ok, behaviour: 'x' }, /behaviour|Unrecognized/i],
    ['an unknown key in the instance', { ...ok, instance: { ...ok.instance, images: { 'x:1': 'evil:1' } } }, /instance/],
    ['an unknown key in the tunnel', { ...ok, instance: { ...ok.instance, tunnel: { ...login, cert: 'x' } } }, /instance\.tunnel/],
    ['a tunnel name Engawa does not make', { ...ok, instance: { ...ok.instance, tunnel: { ...login, name: 'my-production-tunnel' } } }, /tunnel name/],
    ['a domain that is not a host name', { ...ok, instance: { ...ok.instance, domain: 'a b/c' } }, /domain/],
    ['an overlong setting', { ...ok, instance: { ...ok.instance, settings: { a: 'x'.repeat(2000) } } }, /settings/],
    [
      'an override that is not an environment variable',
      { ...ok, instance: { ...ok.instance, overrides: [{ service: 'web', key: 'A=B', value: '' }] } },
      /overrides/,
    ],
    ['a port out of range', { ...ok, instance: { ...ok.instance, ports: { http: 70000 } } }, /ports/],
    ['an overlong entry path', { ...ok, entries: [...ok.entries, { ...ok.entries[0]!, path: `volumes/${'x'.repeat(300)}.tar` }] }, /entries/],
    [
      'a flood of entries',
      { ...ok, entries: [...ok.entries, ...Array.from({ length: 100_000 }, (_, i) => ({ ...ok.entries[0]!, path: `volumes/v${i}.tar`, kind: 'volume' }))] },
      /entries/,
    ],
    ['a negative downtime', { ...ok, downtimeMs: -1 }, /downtimeMs/],
  ])('refuses %s', (_what, m, why) => {
    const message = refusal(m);
    expect(message).toMatch(/description is not valid/);
    expect(message).toMatch(why);
  });
});

describe('the restored instance’s own names', () => {
  it('replaces a sign-in tunnel’s home volume with the restored instance’s own', () => {
    const t = checkManifest(JSON.stringify({ ...ok, instance: { ...ok.instance, tunnel: login } })).instance.tunnel as Manifest['instance']['tunnel'];
    expect(ownTunnel(t ?? null, 'raw')).toMatchObject({ mode: 'login', volume: 'engawa-raw_cloudflared', name: 'engawa-raw-1a2b3c' });
    expect(ownTunnel(t ?? null, 'copy')).toMatchObject({ volume: 'engawa-copy_cloudflared' });
    expect(ownTunnel(null, 'raw')).toBeNull();
  });
});

describe('a restore over an existing server', () => {
  const backup = { db_password: 'from-backup', tunnel_token: 'old-token', cloudflare_api_token: 'old-api', tunnel_credentials: '{"TunnelID":"old"}' };
  it('keeps the server’s current tunnel and Cloudflare credentials by default', () => {
    expect(keepCurrentCredentials(backup, {})).toEqual({ db_password: 'from-backup' });
  });
  it('takes the backup’s when the user chooses so', () => {
    expect(keepCurrentCredentials(backup, { useBackupTunnelCredentials: true })).toEqual(backup);
  });
});

/** A backup restored as a new server may not bring a tunnel another server here uses (credentials.ts `assertOwnTunnel`). */
import { describe, expect, it } from 'vitest';
import { assertOwnTunnel } from '../../../electron/core/backup/credentials';
import type { InstanceRecord } from '../../../electron/core/instances';
import { manifestOf } from './raw-archive';

type Tunnel = NonNullable<InstanceRecord['tunnel']>;
const token = (publicHost: string, tunnelId: string): Tunnel => ({ mode: 'token', protocol: 'auto', publicHost, tunnelId });
const login = (publicHost: string, name: string): Tunnel => ({
  mode: 'login',
  protocol: 'auto',
  publicHost,
  name,
  volume: 'engawa-x_cloudflared',
  hostnames: [publicHost],
  routed: [],
});
const withTunnel = (tunnel: Tunnel | null) => {
  const m = manifestOf([]);
  return { ...m, instance: { ...m.instance, tunnel } };
};
const here = [
  { name: 'blog', tunnel: token('blog.example.com', 'AAAA-1') },
  { name: 'home', tunnel: login('home.example.com', 'engawa-home-abc123') },
  { name: 'plain', tunnel: null },
];

describe('assertOwnTunnel', () => {
  it.each([
    ['the same tunnel id (any case)', token('elsewhere.example.com', 'aaaa-1'), 'blog'],
    ['the same public host', token('blog.example.com', 'BBBB-2'), 'blog'],
    ['the same sign-in tunnel name', login('new.example.com', 'engawa-home-abc123'), 'home'],
  ])('refuses a tunnel with %s as another server’s', (_label, tunnel, owner) => {
    expect(() => assertOwnTunnel(withTunnel(tunnel), 'copy', here)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', details: { reason: 'tunnel-in-use', instance: owner } }),
    );
  });

  it('accepts a tunnel of no other server, no tunnel, and the server’s own (a restore over it)', () => {
    expect(() => assertOwnTunnel(withTunnel(token('new.example.com', 'CCCC-3')), 'copy', here)).not.toThrow();
    expect(() => assertOwnTunnel(withTunnel(null), 'copy', here)).not.toThrow();
    expect(() => assertOwnTunnel(withTunnel(token('blog.example.com', 'AAAA-1')), 'blog', here)).not.toThrow();
  });
});

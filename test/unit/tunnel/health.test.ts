import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceStatus } from '../../../electron/core/engine/types';
import { CloudflareApi } from '../../../electron/core/tunnel/api';
import { classifyProbe, probeUrl, tunnelHealth, type ProbeResult } from '../../../electron/core/tunnel/health';
import type { TunnelRecord } from '../../../electron/core/tunnel/types';
import { startEdge, type Edge } from '../../stubs/cloudflare/edge';
import { FakeCloudflare } from '../../stubs/cloudflare/fake-api';

const CF = { 'cf-ray': '8f0000000000000-NRT', server: 'cloudflare' };
const response = (status: number, body = '', headers: Record<string, string> = CF): ProbeResult => ({ kind: 'response', status, headers, body });

describe('classifyProbe', () => {
  it.each([
    ['a 200 from Cloudflare is fine', response(200, 'ok'), undefined],
    ['1033: the connector is offline', response(530, '<title>Cloudflare Tunnel error | error code: 1033</title>'), 'connector-offline'],
    ['502: the server behind the tunnel is not ready', response(502, 'Bad gateway'), 'server-not-ready'],
    ['530 without 1033: not ready either', response(530, 'origin error'), 'server-not-ready'],
    [
      '403 challenge: a Cloudflare security setting',
      response(403, '<title>Just a moment...</title>', { ...CF, 'cf-mitigated': 'challenge' }),
      'security-setting',
    ],
    ['an answer not from Cloudflare: DNS points elsewhere', response(200, 'parked domain', { server: 'nginx' }), 'dns-elsewhere'],
    ['1016: the DNS record is wrong', response(530, 'error code: 1016'), 'dns-elsewhere'],
    ['NXDOMAIN: DNS not there yet', { kind: 'error', code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND' }, 'dns-elsewhere'],
    ['no network at all', { kind: 'error', code: 'ECONNREFUSED', message: 'refused' }, 'unreachable'],
    ['anything else is named', response(418, ''), 'unexpected'],
  ] as [string, ProbeResult, string | undefined][])('%s', (_name, result, problem) => {
    const v = classifyProbe('social.example.com', result);
    if (problem === undefined) expect(v).toEqual({ ok: true });
    else expect(v).toMatchObject({ ok: false, problem, message: expect.stringMatching(/\S/) });
  });
});

describe('tunnelHealth', () => {
  let fake: FakeCloudflare | undefined;
  let edge: Edge | undefined;
  let origin: http.Server | undefined;
  afterEach(async () => {
    await fake?.close();
    await edge?.close();
    await new Promise((r) => (origin ? origin.close(r) : r(undefined)));
    fake = edge = origin = undefined;
  });

  const running: ServiceStatus = { name: 'cloudflared', state: 'running', health: 'healthy', ports: {} };

  it('all three signals good: ok, probing through a loopback edge that routes by the generated rules', async () => {
    fake = await FakeCloudflare.start();
    const token = fake.addToken();
    const t = (await new CloudflareApi(token, { apiUrl: fake.url }).createTunnel(fake.account.id, 'n')).id;
    fake.connect(t);
    origin = http.createServer((req, res) => res.end(req.url === '/health' && req.headers.host === 'social.example.com' ? 'ok' : 'wrong'));
    await new Promise<void>((r) => origin!.listen(0, '127.0.0.1', r));
    const port = (origin.address() as AddressInfo).port;
    edge = await startEdge({
      rules: () => [{ hostname: 'social.example.com', service: 'http://web:3000' }, { service: 'http_status:404' }],
      resolve: (u) => (u.hostname === 'web' && u.port === '3000' ? { host: '127.0.0.1', port } : undefined),
    });
    const tunnel: TunnelRecord = {
      mode: 'api',
      protocol: 'auto',
      publicHost: 'social.example.com',
      name: 'n',
      zone: { id: 'z', name: 'example.com' },
      accountId: fake.account.id,
      tunnelId: t,
      hostnames: [],
      dnsRecords: [],
    };
    const h = await tunnelHealth({
      tunnel,
      connector: running,
      api: new CloudflareApi(token, { apiUrl: fake.url }),
      healthPath: '/health',
      probe: probeUrl({ edge: edge.url }),
    });
    expect(h).toEqual({
      ok: true,
      publicUrl: 'https://social.example.com',
      connector: { state: 'running', health: 'healthy' },
      cloudflare: { status: 'healthy', connections: 4 },
      probe: { ok: true },
      problems: [],
    });
  });

  it('names each failing signal', async () => {
    const tunnel: TunnelRecord = { mode: 'token', protocol: 'http2', publicHost: 'pds.example.com', tunnelId: '6ff42ae2-765d-4adf-8112-31c55c1551ef' };
    edge = await startEdge({
      rules: () => [{ hostname: 'pds.example.com', service: 'http://pds:3000' }, { service: 'http_status:404' }],
      resolve: () => undefined,
      connected: () => false,
    });
    const h = await tunnelHealth({ tunnel, connector: { ...running, health: 'unhealthy' }, healthPath: '/xrpc/_health', probe: probeUrl({ edge: edge.url }) });
    expect(h.ok).toBe(false);
    expect(h.cloudflare).toBeUndefined();
    expect(h.problems.map((p) => p.problem)).toEqual(['connector-unhealthy', 'connector-offline']);
  });

  it("reports Cloudflare's API being unreachable without failing the rest", async () => {
    const tunnel: TunnelRecord = {
      mode: 'api',
      protocol: 'auto',
      publicHost: 'a.example.com',
      name: 'n',
      zone: { id: 'z', name: 'example.com' },
      accountId: 'acc',
      tunnelId: 't',
      hostnames: [],
      dnsRecords: [],
    };
    const api = new CloudflareApi('tok', { fetch: async () => Promise.reject(new TypeError('fetch failed')) });
    const h = await tunnelHealth({ tunnel, connector: undefined, api, healthPath: '/', probe: async () => response(200) });
    expect(h.problems.map((p) => p.problem)).toEqual(['connector-missing', 'api-unavailable']);
    expect(h.cloudflare).toMatchObject({ error: { code: 'OFFLINE' } });
  });
});

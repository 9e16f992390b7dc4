/** The instance manager with a tunnel: create provisions it, destroy tears it down, bad input writes nothing. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngawaError } from '../../../electron/core/util/errors';
import type { Plan } from '../../../electron/core/plan/types';
import { InstanceManager } from '../../../electron/core/instances/manager';
import { MemorySecretStore } from '../../../electron/core/instances/secret-store';
import type { CreateInput } from '../../../electron/core/instances/types';
import type { Recipe } from '../../../electron/core/stacks/types';
import { CONNECTOR_SERVICE } from '../../../electron/core/tunnel/connector';
import { FakeEngine } from '../instances/fake-engine';
import { testRecipe } from '../instances/recipe';
import { FakeCloudflare } from '../../stubs/cloudflare/fake-api';

const recipes = {
  get: (id: string): Recipe =>
    id === testRecipe.id
      ? testRecipe
      : (() => {
          throw new EngawaError('NOT_FOUND', 'no');
        })(),
  list: () => [testRecipe],
};
const TUNNEL_TOKEN = Buffer.from(JSON.stringify({ a: 'acc', t: '6ff42ae2-765d-4adf-8112-31c55c1551ef', s: 'c2VjcmV0LXZhbHVl' })).toString('base64');

let home: string;
let engine: FakeEngine;
let secrets: MemorySecretStore;
let fake: FakeCloudflare;
let apiToken: string;
let logs: string[];
let manager: InstanceManager;

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-tunnel-'));
  engine = new FakeEngine();
  secrets = new MemorySecretStore();
  fake = await FakeCloudflare.start();
  apiToken = fake.addToken();
  fake.addZone('example.com');
  logs = [];
  manager = new InstanceManager({
    home,
    engine: async () => engine,
    secrets,
    recipes,
    cloudflare: { apiUrl: fake.url, timeoutMs: 1000, sleep: async () => {} },
    log: (l) => logs.push(l),
  });
});
afterEach(async () => {
  await fake.close();
  await rm(home, { recursive: true, force: true });
});

const input = (tunnel: CreateInput['tunnel']): CreateInput => ({ stack: 'teststack', name: 'blog', domain: 'blog.example.com', admin: null, tunnel });
const appliedPlan = (): Plan => engine.callsOf('apply').at(-1)![0] as Plan;

/** Every file under home, with its contents. */
async function homeFiles(): Promise<string> {
  const entries = await readdir(home, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  return (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('\n');
}

describe('create with --tunnel api', () => {
  it('provisions the tunnel, runs the connector, keeps tokens only in the secret store', async () => {
    const { instance } = await manager.create(input({ mode: 'api', apiToken, zone: 'example.com' }));
    const [t] = fake.liveTunnels();
    expect(instance.tunnel).toMatchObject({ mode: 'api', publicHost: 'blog.example.com', tunnelId: t!.id, hostnames: ['blog.example.com'] });
    expect(fake.dns.map((r) => r.name)).toEqual(['blog.example.com']);
    const stored = await secrets.get('blog');
    expect(stored.cloudflare_api_token).toBe(apiToken);
    const connectorToken = stored.tunnel_token!;
    expect(JSON.parse(Buffer.from(connectorToken, 'base64').toString()).t).toBe(t!.id);
    // the applied plan has the connector with the fetched token in its file
    const c = appliedPlan().services.find((s) => s.name === CONNECTOR_SERVICE)!;
    expect(c.files[0]!.content).toBe(connectorToken);
    expect((await manager.status('blog')).publicUrl).toBe('https://blog.example.com');
    // neither token is in the record, in any file under home, or in the logs (the memory store keeps secrets off disk)
    const disk = await homeFiles();
    for (const token of [apiToken, connectorToken]) {
      expect(disk).not.toContain(token);
      expect(logs.join('\n')).not.toContain(token);
      expect(JSON.stringify(instance)).not.toContain(token);
    }
  });

  it('a failure mid-way (Cloudflare errors on the DNS record) resumes on the next create', async () => {
    fake.inject({ method: 'POST', path: /dns_records$/, status: 502 });
    const e = await manager.create(input({ mode: 'api', apiToken, zone: 'example.com' })).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'OFFLINE' });
    const record = await manager.get('blog');
    expect(record).toMatchObject({ pending: 'create', tunnel: { tunnelId: fake.liveTunnels()[0]!.id, dnsRecords: [] } });
    expect(engine.callsOf('apply')).toHaveLength(0);
    await manager.create(input('none')); // resumes as first recorded, with its tunnel
    expect(fake.liveTunnels()).toHaveLength(1);
    expect(fake.dns).toHaveLength(1);
    expect(appliedPlan().services.some((s) => s.name === CONNECTOR_SERVICE)).toBe(true);
  });

  it('destroy removes the connector, then the tunnel, then only our DNS records', async () => {
    const foreign = fake.addDnsRecord('example.com', { type: 'A', name: 'www.example.com', content: '192.0.2.7' });
    await manager.create(input({ mode: 'api', apiToken, zone: 'example.com' }));
    await manager.destroy('blog');
    expect(engine.callsOf('remove')).toHaveLength(1);
    const order = fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.path.replace(/[0-9a-f-]{32,36}/g, 'ID'));
    expect(order).toEqual(['/accounts/ID/cfd_tunnel/ID/connections', '/accounts/ID/cfd_tunnel/ID', '/zones/ID/dns_records/ID']);
    expect(fake.liveTunnels()).toEqual([]);
    expect(fake.dns).toEqual([foreign]);
    expect(await secrets.get('blog')).toEqual({});
  });

  it('destroy interrupted by Cloudflare can be run again and finishes', async () => {
    await manager.create(input({ mode: 'api', apiToken, zone: 'example.com' }));
    fake.inject({ method: 'DELETE', path: /dns_records/, status: 500 });
    await expect(manager.destroy('blog')).rejects.toMatchObject({ code: 'OFFLINE' });
    expect((await manager.get('blog')).pending).toBe('destroy');
    await manager.destroy('blog');
    expect(fake.dns).toEqual([]);
    await expect(manager.get('blog')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it.each([
    ['a wrong token', () => ({ mode: 'api', apiToken: 'nope-nope', zone: 'example.com' }), /did not accept the API token/],
    ['a token without DNS', () => ({ mode: 'api', apiToken: fake.addToken(['tunnel', 'zone']), zone: 'example.com' }), /DNS → Edit/],
    [
      'a zone the domain is outside of',
      () => (fake.addZone('other.example'), { mode: 'api', apiToken, zone: 'other.example' }),
      /not part of your Cloudflare domain other\.example/,
    ],
    [
      'a hostname that is not the public address',
      () => ({ mode: 'api', apiToken, zone: 'example.com', hostname: 'www.example.com' }),
      /public address of this server is blog\.example\.com/,
    ],
    [
      'a foreign DNS record',
      () => (fake.addDnsRecord('example.com', { type: 'A', name: 'blog.example.com', content: '192.0.2.1' }), { mode: 'api', apiToken, zone: 'example.com' }),
      /Engawa did not create/,
    ],
    ['a bad protocol', () => ({ mode: 'api', apiToken, zone: 'example.com', protocol: 'quic' }), /"auto" or "http2"/],
    ['a connector token that is not one', () => ({ mode: 'token', connectorToken: 'hello' }), /not a Cloudflare Tunnel token/],
  ] as [string, () => CreateInput['tunnel'], RegExp][])('%s: a clear error, nothing written or changed', async (_n, tunnel, message) => {
    const t = tunnel();
    const dnsBefore = JSON.stringify(fake.dns);
    await expect(manager.create(input(t))).rejects.toThrow(message);
    expect(await manager.list()).toEqual([]);
    expect(await secrets.get('blog')).toEqual({});
    expect(fake.changes()).toEqual([]);
    expect(JSON.stringify(fake.dns)).toBe(dnsBefore);
    expect(engine.callsOf('apply')).toHaveLength(0);
  });
});

describe('create with --tunnel token', () => {
  it('runs the connector with the given token and makes no API call', async () => {
    const { instance } = await manager.create(input({ mode: 'token', connectorToken: TUNNEL_TOKEN, hostname: 'blog.example.com', protocol: 'http2' }));
    expect(instance.tunnel).toEqual({ mode: 'token', protocol: 'http2', publicHost: 'blog.example.com', tunnelId: '6ff42ae2-765d-4adf-8112-31c55c1551ef' });
    const c = appliedPlan().services.find((s) => s.name === CONNECTOR_SERVICE)!;
    expect(c.files[0]!.content).toBe(TUNNEL_TOKEN);
    expect(c.command).toContain('http2');
    expect(fake.requests).toEqual([]);
    expect(JSON.stringify(await manager.get('blog'))).not.toContain(TUNNEL_TOKEN);
    await manager.destroy('blog');
    expect(fake.requests).toEqual([]);
  });
});

describe('create without a tunnel', () => {
  it('has no connector and no public URL', async () => {
    await manager.create(input(undefined));
    expect(appliedPlan().services.map((s) => s.name)).not.toContain(CONNECTOR_SERVICE);
    expect((await manager.status('blog')).publicUrl).toBeNull();
    expect((await manager.get('blog')).tunnel).toBeNull();
  });
});

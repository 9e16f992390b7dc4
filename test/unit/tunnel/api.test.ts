import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngawaError } from '../../../electron/core/util/errors';
import { CloudflareApi, cloudflareOptionsFromEnv } from '../../../electron/core/tunnel/api';
import { retryAfterSeconds } from '../../../electron/core/tunnel/api-errors';
import { FakeCloudflare } from '../../stubs/cloudflare/fake-api';

let fake: FakeCloudflare;
let slept: number[];

beforeEach(async () => {
  fake = await FakeCloudflare.start();
  slept = [];
});
afterEach(() => fake.close());

function api(token: string, extra: Partial<ConstructorParameters<typeof CloudflareApi>[1]> = {}): CloudflareApi {
  return new CloudflareApi(token, { apiUrl: fake.url, timeoutMs: 2000, sleep: async (ms) => void slept.push(ms), ...extra });
}

async function failure(p: Promise<unknown>): Promise<EngawaError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EngawaError);
  return e as EngawaError;
}

describe('CloudflareApi', () => {
  it('sends the bearer token and reads the envelope', async () => {
    const token = fake.addToken();
    fake.addZone('example.com');
    const zones = await api(token).listZones('example.com');
    expect(zones.map((z) => z.name)).toEqual(['example.com']);
    expect(zones[0]!.account.id).toBe(fake.account.id);
  });

  it('follows every page of a list', async () => {
    const token = fake.addToken();
    for (let i = 0; i < 57; i++) fake.addZone(`z${i}.example`);
    expect(await api(token).listZones()).toHaveLength(57);
    expect(fake.requests.filter((r) => r.path === '/zones').map((r) => r.query.page)).toEqual(['1', '2']);
  });

  it('a wrong token: INVALID_INPUT that says so, without the token', async () => {
    const e = await failure(api('not-a-real-token-123').verifyToken());
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.details?.reason).toBe('token');
    expect(e.message).toMatch(/did not accept the API token/);
    expect(e.message).not.toContain('not-a-real-token-123');
  });

  it('an expired token is refused even though Cloudflare answers', async () => {
    const e = await failure(api(fake.addToken(undefined, 'expired')).verifyToken());
    expect(e.message).toMatch(/expired, not active/);
  });

  it.each([
    ['zone', () => (a: CloudflareApi) => a.listZones(), 'Zone → Zone → Read'],
    ['tunnel', () => (a: CloudflareApi) => a.findTunnel(fake.account.id, 'x'), 'Account → Cloudflare Tunnel → Edit'],
    ['dns', () => (a: CloudflareApi) => a.listDnsRecords(fake.addZone('d.example').id, 'd.example'), 'Zone → DNS → Edit'],
  ] as const)('a token without the %s permission: 403 names the permission', async (missing, call, label) => {
    const token = fake.addToken((['tunnel', 'dns', 'zone'] as const).filter((p) => p !== missing));
    const e = await failure(call()(api(token)));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.details).toMatchObject({ reason: 'permission', permission: label });
    expect(e.message).toContain(`"${label}"`);
  });

  it('429: waits as Retry-After asks, then succeeds', async () => {
    const token = fake.addToken();
    fake.inject({ path: /^\/zones$/, status: 429, retryAfter: '3', times: 2 });
    expect(await api(token).listZones()).toEqual([]);
    expect(slept).toEqual([3000, 3000]);
  });

  it('429 that does not stop: BUSY saying when to try again', async () => {
    const token = fake.addToken();
    fake.inject({ path: /^\/zones$/, status: 429, retryAfter: '7', times: 3 });
    const e = await failure(api(token).listZones());
    expect(e.code).toBe('BUSY');
    expect(e.message).toMatch(/try again in 7 seconds/);
  });

  it('5xx: OFFLINE, with no retry of a request that may have been processed', async () => {
    const token = fake.addToken();
    fake.inject({ method: 'POST', path: /cfd_tunnel$/, status: 503 });
    const e = await failure(api(token).createTunnel(fake.account.id, 'x'));
    expect(e.code).toBe('OFFLINE');
    expect(e.message).toMatch(/HTTP 503/);
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('no answer in time: OFFLINE saying it timed out', async () => {
    const token = fake.addToken();
    fake.inject({ path: /tokens\/verify/, hang: true });
    const e = await failure(api(token, { timeoutMs: 200 }).verifyToken());
    expect(e.code).toBe('OFFLINE');
    expect(e.details?.timedOut).toBe(true);
    expect(e.message).toMatch(/did not answer in time/);
  });

  it('nothing listening: OFFLINE saying Cloudflare cannot be reached', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const e = await failure(new CloudflareApi('t', { apiUrl: `http://127.0.0.1:${port}/client/v4` }).verifyToken());
    expect(e.code).toBe('OFFLINE');
    expect(e.message).toMatch(/cannot reach Cloudflare/);
  });

  it('an answer that is not the API (a proxy page): OFFLINE, not a crash', async () => {
    const e = await failure(
      new CloudflareApi('t', { apiUrl: `${fake.url}/../../nowhere`, fetch: async () => new Response('<html>login</html>', { status: 200 }) }).verifyToken(),
    );
    expect(e.details?.reason).toBe('not-api');
  });

  it('the base URL comes from ENGAWA_CLOUDFLARE_API_URL', () => {
    expect(cloudflareOptionsFromEnv({ ENGAWA_CLOUDFLARE_API_URL: 'http://127.0.0.1:1/x' })).toEqual({ apiUrl: 'http://127.0.0.1:1/x' });
    expect(cloudflareOptionsFromEnv({})).toEqual({});
  });

  it('Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterSeconds('12')).toBe(12);
    expect(retryAfterSeconds(new Date(Date.UTC(2030, 0, 1, 0, 0, 30)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(30);
    expect(retryAfterSeconds(null)).toBeUndefined();
    expect(retryAfterSeconds('soon')).toBeUndefined();
  });
});

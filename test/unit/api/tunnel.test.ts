/**
 * The tunnel methods through the dispatcher: bad input is refused with INVALID_INPUT before any
 * call to Cloudflare, a token is checked against the fake API (zones, pending name servers,
 * missing permissions) and never comes back in an answer or an error, the tunnel choice of
 * `instances.create` is validated, and `tunnel.status` refuses a server without a tunnel.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../../electron/core/api/dispatch';
import { tunnelHandlers } from '../../../electron/core/api/tunnel';
import type { ClientContext, Handlers } from '../../../electron/core/api/types';
import type { ApiResult } from '../../../electron/shared/contract';
import { FakeCloudflare } from '../../stubs/cloudflare/fake-api';
import { testRecipe } from '../instances/recipe';
import { fakeCore, waitForEvent, type FakeCore } from './fake-core';

const client: ClientContext = { id: 'test', send: () => {}, onClose: () => {} };
let fake: FakeCloudflare;
let f: FakeCore;
let handlers: Handlers;

const call = (method: string, input?: unknown): Promise<ApiResult<unknown>> => dispatch(handlers, method, input, client);

beforeAll(async () => {
  fake = await FakeCloudflare.start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(async () => {
  f = await fakeCore();
  const recipes = { get: () => testRecipe, list: () => [testRecipe] };
  const services = {
    home: f.home,
    engine: async () => f.engine,
    recipes,
    manager: undefined as never,
    tunnel: { cloudflare: { apiUrl: fake.url, retries: 0 } },
  };
  handlers = { ...f.core.handlers, ...tunnelHandlers(services) };
});
afterEach(async () => {
  await f.cleanup();
});

describe('tunnel.verifyToken', () => {
  it('refuses bad input before asking Cloudflare', async () => {
    const before = fake.requests.length;
    for (const input of [undefined, {}, { apiToken: '' }, { apiToken: '   ' }, { apiToken: 42 }, { apiToken: 'x', zone: 'example.com' }]) {
      const r = await call('tunnel.verifyToken', input);
      expect(r.ok ? 'ok' : r.error.code, JSON.stringify(input)).toBe('INVALID_INPUT');
    }
    expect(fake.requests.length).toBe(before);
  });

  it('lists active and pending zones with their name servers, changing nothing', async () => {
    const token = fake.addToken();
    fake.addZone('verify-active.example');
    fake.addZone('verify-pending.example', 'pending');
    const r = await call('tunnel.verifyToken', { apiToken: token });
    expect(r.ok).toBe(true);
    const check = (r as { value: { zones: { name: string; status: string; nameServers: string[] }[]; missing: unknown[] } }).value;
    expect(check.missing).toEqual([]);
    const pending = check.zones.find((z) => z.name === 'verify-pending.example');
    expect(pending?.status).toBe('pending');
    expect(pending?.nameServers.length).toBeGreaterThan(0);
    expect(check.zones.find((z) => z.name === 'verify-active.example')?.status).toBe('active');
    expect(fake.changes()).toEqual([]);
    expect(JSON.stringify(r)).not.toContain(token);
  });

  it('names the permissions a token lacks', async () => {
    const token = fake.addToken(['zone']);
    const r = await call('tunnel.verifyToken', { apiToken: token });
    const check = (r as { value: { missing: { permission: string; label: string }[] } }).value;
    expect(check.missing.map((m) => m.permission)).toEqual(['tunnel', 'dns']);
    expect(check.missing[0]?.label).toContain('Cloudflare Tunnel');
  });

  it('a token Cloudflare does not accept is an error that does not echo it', async () => {
    const token = 'not-a-real-token-0123456789abcdef';
    const r = await call('tunnel.verifyToken', { apiToken: token });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe('INVALID_INPUT');
    expect(!r.ok && r.error.message).toMatch(/did not accept the API token/);
    expect(JSON.stringify(r)).not.toContain(token);
  });
});

describe('tunnel.tokenPage and tunnel.preview', () => {
  it("the token page is Cloudflare's https form with a checklist of the three permissions", async () => {
    const r = await call('tunnel.tokenPage');
    const page = (r as { value: { url: string; checklist: { permission: string }[] } }).value;
    expect(new URL(page.url).protocol).toBe('https:');
    expect(new URL(page.url).hostname).toBe('dash.cloudflare.com');
    expect(page.checklist.map((c) => c.permission)).toEqual(['tunnel', 'dns', 'zone']);
    expect((await call('tunnel.tokenPage', { x: 1 })).ok).toBe(false);
  });

  it('the preview shows the public host and the routes of the stack, and refuses a bad domain', async () => {
    const r = await call('tunnel.preview', { stack: testRecipe.id, domain: 'social.example.com' });
    expect(r).toEqual({
      ok: true,
      value: { publicHost: 'social.example.com', hostnames: ['social.example.com'], routes: [{ hostname: 'social.example.com', service: 'http://web:8080' }] },
    });
    const bad = await call('tunnel.preview', { stack: testRecipe.id, domain: 'https://social.example.com/' });
    expect(!bad.ok && bad.error.code).toBe('INVALID_INPUT');
  });
});

describe('the tunnel choice of instances.create', () => {
  it('is validated: unknown modes, missing fields and stray fields are refused, tokens not echoed', async () => {
    const secret = 'eyJzZWNyZXQtdG9rZW4tZm9yLXRlc3RzIjoxfQ';
    const base = { stack: testRecipe.id, name: 'blog', domain: 'example.com' };
    const bad = [
      { mode: 'pigeon' },
      { mode: 'api', apiToken: secret },
      { mode: 'api', apiToken: '', zone: 'example.com' },
      { mode: 'token', tunnelToken: secret },
      { mode: 'token', tunnelToken: secret, hostname: 'example.com', apiToken: secret },
      { mode: 'none', zone: 'example.com' },
    ];
    for (const tunnel of bad) {
      const r = await call('instances.create', { ...base, tunnel });
      expect(r.ok ? 'ok' : r.error.code, JSON.stringify(tunnel)).toBe('INVALID_INPUT');
      expect(JSON.stringify(r)).not.toContain(secret);
    }
    expect(f.core.ops.list()).toEqual([]);
  });

  it('a tunnel token that is not one fails the create with a message that does not quote it', async () => {
    const secret = 'eyJub3QtYS10dW5uZWwtdG9rZW4iOnRydWV9';
    const r = await call('instances.create', {
      stack: testRecipe.id,
      name: 'blog',
      domain: 'example.com',
      tunnel: { mode: 'token', tunnelToken: secret, hostname: 'example.com' },
    });
    expect(r.ok).toBe(true);
    const { opId } = (r as { value: { opId: string } }).value;
    const failed = await waitForEvent(f.events, (m): m is Extract<typeof m, { event: 'op.failed' }> => m.event === 'op.failed' && m.payload.opId === opId);
    expect(failed.payload.error.code).toBe('INVALID_INPUT');
    expect(failed.payload.error.message).toMatch(/not a Cloudflare Tunnel token/);
    expect(JSON.stringify(f.events)).not.toContain(secret);
  });

  it('tunnel.status refuses a server created without a tunnel', async () => {
    const r = await call('instances.create', { stack: testRecipe.id, name: 'local', domain: 'example.com', tunnel: { mode: 'none' } });
    const { opId } = (r as { value: { opId: string } }).value;
    await waitForEvent(f.events, (m): m is Extract<typeof m, { event: 'op.done' }> => m.event === 'op.done' && m.payload.opId === opId);
    const status = await dispatch(f.core.handlers, 'tunnel.status', { name: 'local' }, client);
    expect(!status.ok && status.error.code).toBe('STATE');
    const missing = await dispatch(f.core.handlers, 'tunnel.status', { name: 'nobody' }, client);
    expect(!missing.ok && missing.error.code).toBe('NOT_FOUND');
  });
});

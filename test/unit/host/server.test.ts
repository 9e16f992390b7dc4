/**
 * The browser-mode host: binds 127.0.0.1 only, serves the renderer with the CSP, and refuses a
 * WebSocket without the token, with a wrong token, from a foreign Origin or via a foreign Host.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CONTENT_SECURITY_POLICY } from '../../../electron/shared/csp';
import { HOST_ADDRESS, startHost, type Host } from '../../../electron/core/host/server';
import { fakeCore, type FakeCore } from '../api/fake-core';

let f: FakeCore;
let host: Host;
let root: string;

beforeAll(async () => {
  f = await fakeCore();
  root = await mkdtemp(path.join(os.tmpdir(), 'engawa-host-'));
  await mkdir(path.join(root, 'renderer', 'assets'), { recursive: true });
  await writeFile(path.join(root, 'renderer', 'index.html'), '<!doctype html><title>Engawa</title>');
  await writeFile(path.join(root, 'renderer', 'assets', 'app.js'), 'console.log(1)');
  await writeFile(path.join(root, 'secret.txt'), 'outside');
  host = await startHost({ core: f.core, rendererDir: path.join(root, 'renderer') });
});
afterAll(async () => {
  await host.close();
  await f.cleanup();
  await rm(root, { recursive: true, force: true });
});

/** A raw HTTP GET with the headers given (Node's fetch would not let us set Host). */
function get(pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: HOST_ADDRESS, port: host.port, path: pathname, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

/** Opens a socket and resolves 'open' or the HTTP status it was refused with. */
function tryConnect(query: string, headers: Record<string, string>): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://${HOST_ADDRESS}:${host.port}/api${query}`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => {});
  });
}

const origin = () => `http://${HOST_ADDRESS}:${host.port}`;

describe('browser-mode host', () => {
  it('listens on the loopback address only and prints one URL holding the token', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
    expect(host.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('cannot be reached on another interface', async () => {
    const other = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (other === undefined) return; // no other interface on this machine: nothing to prove here
    const reached = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: other.address, port: host.port, path: '/', timeout: 2000 }, () => resolve(true));
      req.on('error', () => resolve(false));
      req.on('timeout', () => (req.destroy(), resolve(false)));
    });
    expect(reached).toBe(false);
  });

  it('serves the renderer with the CSP, and nothing outside it', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(page.body).toContain('<title>Engawa</title>');
    expect((await get('/assets/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/missing.js']) {
      const r = await get(p);
      expect(r.status, p).toBe(404);
      expect(r.body).not.toContain('outside');
    }
  });

  it('refuses HTTP requests naming another host (DNS rebinding)', async () => {
    expect((await get('/', { Host: `evil.example:${host.port}` })).status).toBe(403);
  });

  it('opens the socket with the token from our own origin', async () => {
    expect(await tryConnect(`?token=${host.token}`, { Origin: origin() })).toBe('open');
  });

  it.each([
    ['no token', '', () => ({ Origin: origin() })],
    ['a wrong token', '?token=' + 'f'.repeat(64), () => ({ Origin: origin() })],
    ['a token of another length', '?token=abc', () => ({ Origin: origin() })],
    ['a foreign Origin', () => `?token=${host.token}`, () => ({ Origin: 'https://evil.example' })],
    ['no Origin', () => `?token=${host.token}`, () => ({})],
    ['a foreign Host', () => `?token=${host.token}`, () => ({ Origin: origin(), Host: `evil.example:${host.port}` })],
  ] as const)('refuses a socket with %s (403)', async (_what, query, headers) => {
    const q = typeof query === 'function' ? query() : query;
    expect(await tryConnect(q, headers())).toBe(403);
  });

  it('answers calls with envelopes and closes on a message that is not a request', async () => {
    const ws = new WebSocket(`ws://${HOST_ADDRESS}:${host.port}/api?token=${host.token}`, { headers: { Origin: origin() } });
    await new Promise((r) => ws.once('open', r));
    const answer = new Promise<unknown>((r) => ws.once('message', (d: Buffer) => r(JSON.parse(d.toString()))));
    ws.send(JSON.stringify({ id: 7, method: 'nope' }));
    expect(await answer).toEqual({
      id: 7,
      result: { ok: false, error: { code: 'NOT_FOUND', message: 'There is no API method "nope".', details: { method: 'nope' } } },
    });
    const closed = new Promise<number>((r) => ws.once('close', (code: number) => r(code)));
    ws.send('not json');
    expect(await closed).toBe(1003);
  });
});

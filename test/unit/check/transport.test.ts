/**
 * The check's transports. The real one against a local TLS server (a certificate made with openssl
 * for good.test): the certificate verified and reported, a self-signed one and a name mismatch
 * reported as that name's TLS failure, a server that never answers as a timeout (not a certificate
 * problem). The front transport: plain HTTP to the front with the public host as Host, saying that
 * no certificate was seen; bodies cut at 64 KiB.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frontTransport, httpsTransport } from '../../../electron/core/check/index';

let dir: string;
let cert: string;
let tlsServer: https.Server;
let tlsPort = 0;
let silent: net.Server;
let silentPort = 0;
const silentSockets = new Set<net.Socket>();

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'engawa-check-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      '/CN=good.test',
      '-addext',
      'subjectAltName=DNS:good.test',
      '-days',
      '2',
    ].concat(['-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')]),
    { stdio: 'ignore' },
  );
  cert = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  tlsServer = https.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert }, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cf-ray': 'x' });
    res.end(JSON.stringify({ host: req.headers.host, path: req.url }));
  });
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
  tlsPort = (tlsServer.address() as net.AddressInfo).port;
  silent = net.createServer((s) => silentSockets.add(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const s of silentSockets) s.destroy();
  await new Promise((r) => tlsServer.close(r));
  await new Promise((r) => silent.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const local = () => ({ host: '127.0.0.1', port: tlsPort });
const get = (url: string) => ({ method: 'GET' as const, url, headers: { 'user-agent': 'test' }, timeoutMs: 3_000 });

describe('httpsTransport', () => {
  it('verifies the certificate against the name asked for, and reports it', async () => {
    const a = await httpsTransport({ ca: cert, connect: local })(get('https://good.test/x?y=1'));
    expect(a).toMatchObject({ kind: 'response', status: 200, tls: { kind: 'verified', validTo: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) } });
    expect(JSON.parse(a.kind === 'response' ? a.body : '')).toEqual({ host: 'good.test', path: '/x?y=1' });
  });

  it('a certificate nobody vouches for is a TLS failure of that name', async () => {
    const a = await httpsTransport({ connect: local })(get('https://good.test/'));
    expect(a).toMatchObject({ kind: 'error', tls: { kind: 'failed', code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY/) } });
  });

  it('a certificate for another name is a TLS failure of the name asked for', async () => {
    const a = await httpsTransport({ ca: cert, connect: local })(get('https://other.test/'));
    expect(a).toMatchObject({ kind: 'error', code: 'ERR_TLS_CERT_ALTNAME_INVALID', tls: { kind: 'failed', code: 'ERR_TLS_CERT_ALTNAME_INVALID' } });
  });

  it('a server that never answers is a timeout, not a certificate problem', async () => {
    const a = await httpsTransport({ connect: () => ({ host: '127.0.0.1', port: silentPort }) })({ ...get('https://good.test/'), timeoutMs: 300 });
    expect(a).toEqual({ kind: 'error', code: 'ETIMEDOUT', message: expect.stringMatching(/no answer/) });
  });

  it('nothing listening is an error without TLS information', async () => {
    const a = await httpsTransport({ connect: () => ({ host: '127.0.0.1', port: 1 }) })(get('https://good.test/'));
    expect(a).toEqual({ kind: 'error', code: 'ECONNREFUSED', message: expect.any(String) });
  });
});

describe('frontTransport', () => {
  it('sends https:// requests to the front with the public host, says no certificate was seen, and cuts long bodies', async () => {
    const seen: { host?: string; url?: string; ua?: string; body: string }[] = [];
    const front = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ host: req.headers.host, url: req.url, ua: req.headers['user-agent'], body });
        res.end(req.url === '/big' ? 'x'.repeat(200_000) : 'ok');
      });
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(front.address() as net.AddressInfo).port}`;
    try {
      const t = frontTransport(url);
      const a = await t({
        method: 'POST',
        url: 'https://social.example.com/inbox?x=1',
        headers: { 'user-agent': 'Mastodon/4.7.4' },
        body: '{}',
        timeoutMs: 3_000,
      });
      expect(a).toMatchObject({
        kind: 'response',
        status: 200,
        body: 'ok',
        tls: { kind: 'not-checked', reason: `the check went to ${url} over plain HTTP instead of the internet` },
      });
      expect(seen[0]).toEqual({ host: 'social.example.com', url: '/inbox?x=1', ua: 'Mastodon/4.7.4', body: '{}' });
      const big = await t(get('https://social.example.com/big'));
      expect(big.kind === 'response' && big.body.length).toBe(64 * 1024);
    } finally {
      await new Promise((r) => front.close(r));
    }
  });
});

/**
 * The check's transports. `httpsTransport` is the real one: each https:// request opens its own TLS
 * connection to the name asked for, verifying the certificate against that name, and reports what
 * it saw (`tls`): a failure during the handshake, after the TCP connection was made, is a
 * certificate (or TLS) failure of that name. `frontTransport` sends every https:// request over
 * plain HTTP to a loopback front with the public host as Host instead (tests; the
 * ENGAWA_CHECK_FRONT_URL test hook), so no certificate is seen and it says so. http:// URLs (a
 * local PLC directory or relay in tests) go directly. Bodies are read up to 64 KiB; every request
 * has a hard deadline.
 */
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { TlsInfo, Transport, TransportAnswer, TransportRequest } from './types';

/** The timeout of one request. */
export const REQUEST_TIMEOUT_MS = 8_000;

const MAX_BODY = 64 * 1024;

export interface HttpsTransportOptions {
  /** extra certificate authorities to trust (tests) */
  ca?: string | Buffer;
  /** where to open the connection for a host (tests: a local TLS server); the certificate is still checked against the host */
  connect?: (host: string) => { host: string; port: number } | undefined;
}

/** The real transport: TLS to each name, certificate verified and reported. */
export function httpsTransport(opts: HttpsTransportOptions = {}): Transport {
  return (req) => {
    const url = new URL(req.url);
    if (url.protocol === 'http:') return plainRequest(req, url, { kind: 'not-checked', reason: 'the address is plain http://' });
    if (url.protocol !== 'https:') return Promise.resolve({ kind: 'error', code: 'EPROTOCOL', message: `Cannot request ${url.protocol} addresses.` });
    const to = opts.connect?.(url.hostname);
    let connected = false;
    let secured = false;
    const request = https.request({
      host: to?.host ?? url.hostname,
      port: to?.port ?? (url.port || 443),
      servername: url.hostname,
      path: `${url.pathname}${url.search}`,
      method: req.method,
      headers: headersOf(req, url),
      agent: false,
      ...(opts.ca !== undefined && { ca: opts.ca }),
    });
    request.on('socket', (socket) => {
      socket.once('connect', () => (connected = true));
      socket.once('secureConnect', () => (secured = true));
    });
    return exchange(request, req, {
      tlsOfResponse: (res) => certificateOf(res.socket as TLSSocket),
      tlsOfError: (e) => (connected && !secured && e.code !== 'ETIMEDOUT' ? { kind: 'failed', code: e.code ?? 'TLS_ERROR', message: e.message } : undefined),
    });
  };
}

/** Sends https:// requests to `front` (an http:// address) over plain HTTP with the public host as Host; http:// URLs directly. */
export function frontTransport(front: string): Transport {
  const via = new URL(front);
  const reason = `the check went to ${via.origin} over plain HTTP instead of the internet`;
  return (req) => {
    const url = new URL(req.url);
    if (url.protocol === 'http:') return plainRequest(req, url, { kind: 'not-checked', reason: 'the address is plain http://' });
    if (url.protocol !== 'https:') return Promise.resolve({ kind: 'error', code: 'EPROTOCOL', message: `Cannot request ${url.protocol} addresses.` });
    const request = http.request({
      host: via.hostname,
      port: via.port || 80,
      path: `${url.pathname}${url.search}`,
      method: req.method,
      headers: headersOf(req, url),
      agent: false,
    });
    return exchange(request, req, { tlsOfResponse: () => ({ kind: 'not-checked', reason }), tlsOfError: () => undefined });
  };
}

function plainRequest(req: TransportRequest, url: URL, tls: TlsInfo): Promise<TransportAnswer> {
  const request = http.request({
    host: url.hostname,
    port: url.port || 80,
    path: `${url.pathname}${url.search}`,
    method: req.method,
    headers: headersOf(req, url),
    agent: false,
  });
  return exchange(request, req, { tlsOfResponse: () => tls, tlsOfError: () => undefined });
}

function headersOf(req: TransportRequest, url: URL): Record<string, string> {
  const headers: Record<string, string> = { ...req.headers, host: url.host, 'accept-encoding': 'identity' };
  if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
  return headers;
}

/** Runs `request` to its answer within the request's deadline; never rejects. */
function exchange(
  request: http.ClientRequest,
  req: TransportRequest,
  tls: { tlsOfResponse: (res: http.IncomingMessage) => TlsInfo; tlsOfError: (e: NodeJS.ErrnoException) => TlsInfo | undefined },
): Promise<TransportAnswer> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (a: TransportAnswer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(a);
    };
    const timer = setTimeout(() => {
      const e: NodeJS.ErrnoException = Object.assign(new Error(`no answer within ${Math.round(req.timeoutMs / 1000)} s`), { code: 'ETIMEDOUT' });
      request.destroy(e);
    }, req.timeoutMs);
    request.on('response', (res) => {
      const info = tls.tlsOfResponse(res);
      const chunks: Buffer[] = [];
      let size = 0;
      const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      const answer = (): void => finish({ kind: 'response', status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8'), tls: info });
      res.on('data', (chunk: Buffer) => {
        if (size >= MAX_BODY) return;
        chunks.push(chunk.subarray(0, MAX_BODY - size));
        size += chunk.length;
        if (size >= MAX_BODY) {
          answer();
          res.destroy();
        }
      });
      res.on('end', answer);
      res.on('error', answer);
    });
    request.on('error', (e: NodeJS.ErrnoException) => {
      const info = tls.tlsOfError(e);
      finish({ kind: 'error', code: e.code ?? 'ERROR', message: e.message, ...(info !== undefined && { tls: info }) });
    });
    request.end(req.body);
  });
}

function certificateOf(socket: TLSSocket): TlsInfo {
  const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
  if (cert === undefined || Object.keys(cert).length === 0) return { kind: 'verified' };
  const raw = cert.issuer?.O ?? cert.issuer?.CN;
  const issuer = Array.isArray(raw) ? raw.join(', ') : raw;
  return { kind: 'verified', ...(cert.valid_to !== undefined && { validTo: new Date(cert.valid_to).toISOString() }), ...(issuer && { issuer }) };
}

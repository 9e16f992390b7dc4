/**
 * The browser-mode host: the same contract as the desktop app, over a WebSocket, plus the built
 * renderer over HTTP, on one port of 127.0.0.1 (never another interface).
 *
 * Who may use the API: a WebSocket upgrade on HOST_SOCKET_PATH must carry the random token (in
 * the URL the user opens, handed on by the page) and come from our own origin; the Host header
 * must name the loopback address, which defeats DNS rebinding. Anything else gets 403 before a
 * socket exists. Protocol: `{id, method, input}` in; `{id, result}` (the envelope) or
 * `{event, payload}` out, JSON text frames.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { HOST_SOCKET_PATH, HOST_TOKEN_PARAM, type WsServerMessage } from '../../shared/contract';
import { openSession } from '../api/dispatch';
import type { Core } from '../api/types';
import { SECURITY_HEADERS, serveStatic } from './static';

/** The loopback address the host binds; fixed, so the host can never face the network. */
export const HOST_ADDRESS = '127.0.0.1';
/** Largest message a client may send (the API's inputs are small). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

export interface HostOptions {
  core: Core;
  /** the built renderer (dist/renderer) */
  rendererDir: string;
  /** 0 (default) picks a free port */
  port?: number;
  /** default: 32 random bytes, hex */
  token?: string;
  /** further origins allowed to open the socket, e.g. a Vite dev server (`http://127.0.0.1:5173`) */
  extraOrigins?: string[];
  log?: (line: string) => void;
}

export interface Host {
  /** the URL to open: http://127.0.0.1:<port>/?token=<token> */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** Starts the host; resolves once it listens. */
export async function startHost(opts: HostOptions): Promise<Host> {
  const log = opts.log ?? (() => {});
  const token = opts.token ?? randomBytes(32).toString('hex');
  if (token.length < 16) throw new Error('The host token must be at least 16 characters long.');
  let port = 0;
  const server = createServer((req, res) => {
    if (!hostHeaderOk(req, port)) {
      res.writeHead(403, SECURITY_HEADERS).end();
      return;
    }
    serveStatic(opts.rendererDir, req, res).catch((e: unknown) => {
      // the path only: the query may carry the token
      log(`could not answer ${req.method ?? 'a request'} ${(req.url ?? '/').split('?')[0]}: ${(e as Error).message}`);
      res.destroy();
    });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const why = refusal(req, port, token, opts.extraOrigins ?? []);
    if (why !== null) {
      log(`refused a WebSocket connection: ${why}`);
      socket.end(`HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(opts.core, ws, log));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, HOST_ADDRESS, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${HOST_ADDRESS}:${port}/?${HOST_TOKEN_PARAM}=${token}`,
    port,
    token,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Hosts we answer to: the loopback address (and localhost) on our port. */
function hostHeaderOk(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host;
  return host === `${HOST_ADDRESS}:${port}` || host === `localhost:${port}`;
}

/** Why an upgrade request is refused, or null when it may connect. */
export function refusal(req: IncomingMessage, port: number, token: string, extraOrigins: readonly string[]): string | null {
  if (!hostHeaderOk(req, port)) return `Host header "${req.headers.host ?? ''}" is not the loopback address`;
  const url = new URL(req.url ?? '/', `http://${HOST_ADDRESS}:${port}`);
  if (url.pathname !== HOST_SOCKET_PATH) return `path ${url.pathname} is not ${HOST_SOCKET_PATH}`;
  const origin = req.headers.origin;
  const allowed = [`http://${HOST_ADDRESS}:${port}`, `http://localhost:${port}`, ...extraOrigins];
  if (origin === undefined || !allowed.includes(origin)) return `origin "${origin ?? '(none)'}" is not allowed`;
  const given = Buffer.from(url.searchParams.get(HOST_TOKEN_PARAM) ?? '');
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'wrong or missing token';
  return null;
}

/** One browser tab: its calls go to the dispatcher, its events come back as JSON frames. */
function serveSocket(core: Core, ws: WebSocket, log: (line: string) => void): void {
  const send = (message: WsServerMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  const session = openSession(core, (event) => send(event));
  ws.on('message', (data, isBinary) => {
    const request = isBinary ? undefined : parseRequest(data.toString());
    if (request === undefined) {
      ws.close(1003, 'expected {id, method, input} as JSON text');
      return;
    }
    session
      .call(request.method, request.input)
      .then((result) => send({ id: request.id, result }))
      .catch((e: unknown) => log(`could not answer call ${request.id}: ${(e as Error).message}`));
  });
  ws.on('close', () => session.close());
  ws.on('error', (e) => log(`WebSocket error: ${e.message}`));
}

function parseRequest(text: string): { id: number; method: unknown; input: unknown } | undefined {
  try {
    const m = JSON.parse(text) as { id?: unknown; method?: unknown; input?: unknown };
    if (typeof m !== 'object' || m === null || typeof m.id !== 'number' || !Number.isSafeInteger(m.id)) return undefined;
    return { id: m.id, method: m.method, input: m.input };
  } catch {
    return undefined;
  }
}

/**
 * A loopback stand-in for Cloudflare's edge plus the tunnel, for tests and the e2e suite: an HTTP
 * server on 127.0.0.1 that routes each request by its Host header and path through Engawa's
 * `matchIngress` over the ingress rules Engawa configured, to the instance's services as published
 * on 127.0.0.1. Like the real edge it keeps Host, adds X-Forwarded-Proto/CF-Connecting-IP, marks
 * answers with CF-Ray, answers `http_status:NNN` rules itself, 502 when the origin does not answer
 * and 530 "error code: 1033" while no connector is attached.
 *
 * e2e reuse: start it with `rules: () => fake.liveTunnels()[0].config.ingress` (the fake API) and
 * `resolve: publishedPorts(plan, record.ports)`, then request http://127.0.0.1:<port>/… with the
 * public host as Host, or point `engawa tunnel status` at it with ENGAWA_TUNNEL_EDGE_URL.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Plan } from '../../../electron/core/plan/types';
import { matchIngress } from '../../../electron/core/tunnel/ingress';
import type { IngressRuleJson } from '../../../electron/core/tunnel/types';

export interface EdgeOptions {
  /** the ingress rules in force (read on every request) */
  rules: () => readonly IngressRuleJson[];
  /** where this machine reaches a service URL such as http://web:8080; undefined when it cannot */
  resolve: (service: URL) => { host: string; port: number } | undefined;
  /** false while no connector is attached (default: always attached) */
  connected?: () => boolean;
  /** the port on 127.0.0.1 (default: any free port) */
  port?: number;
}

export interface Edge {
  url: string;
  close(): Promise<void>;
}

/** Service URLs → the instance's ports published on 127.0.0.1 (`ports`: port name → host port). */
export function publishedPorts(plan: Plan, ports: Record<string, number>): EdgeOptions['resolve'] {
  return (service) => {
    const s = plan.services.find((x) => x.name === service.hostname);
    const p = s?.ports.find((x) => String(x.container) === service.port);
    const hostPort = p === undefined ? undefined : ports[p.name];
    return hostPort === undefined ? undefined : { host: '127.0.0.1', port: hostPort };
  };
}

export async function startEdge(opts: EdgeOptions): Promise<Edge> {
  let ray = 0;
  const server = http.createServer((req, res) => {
    const cf = { 'cf-ray': `${(++ray).toString(16).padStart(16, '0')}-NRT`, server: 'cloudflare' };
    const plain = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain', ...cf });
      res.end(body);
    };
    const rules = opts.rules();
    if (rules.length === 0 || opts.connected?.() === false) return plain(530, 'error code: 1033');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const { rule } = matchIngress(rules, req.headers.host ?? '', path);
    const status = /^http_status:(\d{3})$/.exec(rule.service);
    if (status) return plain(Number(status[1]), '');
    const target = opts.resolve(new URL(rule.service));
    if (target === undefined) return plain(502, 'Bad gateway: the origin is not reachable');
    const upstream = http.request(
      {
        host: target.host,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: {
          ...req.headers,
          'x-forwarded-proto': 'https',
          'cf-connecting-ip': '127.0.0.1',
          'x-forwarded-for': '127.0.0.1',
          'cf-visitor': '{"scheme":"https"}',
        },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, { ...up.headers, ...cf });
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) plain(502, 'Bad gateway: the origin refused the connection');
      else res.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

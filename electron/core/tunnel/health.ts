/**
 * A tunnel's health from three signals, each mapped to plain advice:
 *   1. the connector container's own health check (`cloudflared tunnel ready`);
 *   2. Cloudflare's view of the tunnel (status and connections, api mode only);
 *   3. an HTTPS probe of the public URL's health path, as a visitor would make it.
 * The probe is injectable; `probeUrl` can send it to a loopback edge instead (tests, e2e).
 */
import http from 'node:http';
import https from 'node:https';
import { toEngawaError } from '../util/errors';
import type { ServiceStatus } from '../engine/types';
import type { CloudflareApi } from './api';
import type { TunnelRecord } from './types';

/** What a probe of the public URL saw. */
export type ProbeResult =
  { kind: 'response'; status: number; headers: Record<string, string>; body: string } | { kind: 'error'; code: string; message: string };

export type Probe = (url: string) => Promise<ProbeResult>;

/** The kinds of problem the status names. */
export type TunnelProblem =
  | 'connector-missing'
  | 'connector-unhealthy'
  | 'tunnel-down'
  | 'api-unavailable'
  | 'connector-offline'
  | 'server-not-ready'
  | 'security-setting'
  | 'dns-elsewhere'
  | 'unreachable'
  | 'unexpected';

export interface TunnelHealth {
  ok: boolean;
  publicUrl: string;
  connector: { state: string; health: string };
  /** Cloudflare's view (api mode); `error` when it could not be asked */
  cloudflare?: { status: string; connections: number } | { error: { code: string; message: string } };
  probe: { ok: boolean; status?: number; problem?: TunnelProblem };
  problems: { problem: TunnelProblem; message: string }[];
}

/** What a public-URL probe means. `ok` for a 2xx from Cloudflare; otherwise the problem and advice. */
export function classifyProbe(host: string, r: ProbeResult): { ok: true } | { ok: false; problem: TunnelProblem; message: string } {
  if (r.kind === 'error') {
    if (['ENOTFOUND', 'EAI_AGAIN', 'ENODATA'].includes(r.code)) {
      return {
        ok: false,
        problem: 'dns-elsewhere',
        message: `${host} does not resolve to Cloudflare yet; DNS changes can take a few minutes, or the DNS record is missing.`,
      };
    }
    return { ok: false, problem: 'unreachable', message: `Engawa could not open ${host} (${r.code}); check this computer's internet connection.` };
  }
  const fromCloudflare = r.headers['cf-ray'] !== undefined || /cloudflare/i.test(r.headers.server ?? '');
  if (!fromCloudflare) {
    return { ok: false, problem: 'dns-elsewhere', message: `${host} is answered by a server that is not Cloudflare: its DNS still points elsewhere.` };
  }
  if (/\b1033\b/.test(r.body)) {
    return {
      ok: false,
      problem: 'connector-offline',
      message: `Cloudflare cannot reach this computer (error 1033): the connector is offline or the DNS record points to another tunnel.`,
    };
  }
  if (/\b1016\b/.test(r.body)) {
    return { ok: false, problem: 'dns-elsewhere', message: `Cloudflare cannot find where ${host} points (error 1016): its DNS record is wrong.` };
  }
  if (r.status >= 200 && r.status < 300) return { ok: true };
  if (r.status === 502 || r.status === 530 || r.status === 503 || r.status === 504) {
    return {
      ok: false,
      problem: 'server-not-ready',
      message: `The tunnel works, but the server behind it is not answering yet (HTTP ${r.status}); it may still be starting.`,
    };
  }
  if (r.status === 403 && (r.headers['cf-mitigated'] === 'challenge' || /challenge|just a moment/i.test(r.body))) {
    return {
      ok: false,
      problem: 'security-setting',
      message: `Cloudflare shows a challenge page instead of your server, which blocks other servers: turn off Bot Fight Mode and "Under Attack" mode for ${host} in Cloudflare's Security settings.`,
    };
  }
  return { ok: false, problem: 'unexpected', message: `${host} answered with HTTP ${r.status} instead of the server's health page.` };
}

/** Combines the three signals. `connector` is the connector's container status (undefined: none). */
export async function tunnelHealth(input: {
  tunnel: TunnelRecord;
  connector: ServiceStatus | undefined;
  api?: CloudflareApi;
  healthPath: string;
  probe: Probe;
}): Promise<TunnelHealth> {
  const { tunnel } = input;
  const publicUrl = `https://${tunnel.publicHost}`;
  const problems: TunnelHealth['problems'] = [];
  const connector = { state: input.connector?.state ?? 'missing', health: input.connector?.health ?? 'none' };
  if (connector.state !== 'running') {
    problems.push({ problem: 'connector-missing', message: `The connector (cloudflared) is ${connector.state}; start the server.` });
  } else if (connector.health !== 'healthy') {
    problems.push({
      problem: 'connector-unhealthy',
      message: `The connector is ${connector.health}: it has no connection to Cloudflare yet (check the internet connection; if UDP is blocked, use the HTTP/2 option).`,
    });
  }

  let cloudflare: TunnelHealth['cloudflare'];
  if (tunnel.mode === 'api' && tunnel.tunnelId !== undefined && input.api !== undefined) {
    try {
      const t = await input.api.getTunnel(tunnel.accountId, tunnel.tunnelId);
      cloudflare = { status: t.status, connections: t.connections.filter((c) => !c.is_pending_reconnect).length };
      if (t.status !== 'healthy') {
        problems.push({ problem: 'tunnel-down', message: `Cloudflare reports the tunnel as ${t.status} with ${cloudflare.connections} connection(s).` });
      }
    } catch (e) {
      const err = toEngawaError(e);
      cloudflare = { error: { code: err.code, message: err.message } };
      problems.push({ problem: 'api-unavailable', message: err.message });
    }
  }

  const result = classifyProbe(tunnel.publicHost, await input.probe(`${publicUrl}${input.healthPath}`));
  if (!result.ok) problems.push({ problem: result.problem, message: result.message });
  return {
    ok: problems.length === 0,
    publicUrl,
    connector,
    ...(cloudflare !== undefined && { cloudflare }),
    probe: result.ok ? { ok: true } : { ok: false, problem: result.problem },
    problems,
  };
}

/**
 * The real probe: GET `url` with a timeout. With `edge` (an http:// address), the request goes
 * there instead, with the public host as Host and the same path (a loopback edge in tests).
 */
export function probeUrl(opts: { edge?: string; timeoutMs?: number } = {}): Probe {
  return (url) =>
    new Promise((resolve) => {
      const target = new URL(url);
      const via = opts.edge !== undefined ? new URL(opts.edge) : undefined;
      const lib = via ? (via.protocol === 'https:' ? https : http) : https;
      const req = lib.request(
        {
          host: via ? via.hostname : target.hostname,
          port: via ? via.port : target.port || 443,
          path: `${target.pathname}${target.search}`,
          method: 'GET',
          headers: { host: target.host, 'user-agent': 'Engawa tunnel check' },
          timeout: opts.timeoutMs ?? 10_000,
          ...(via === undefined && { servername: target.hostname }),
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            if (body.length < 64 * 1024) body += c;
          });
          res.on('end', () => {
            const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
            resolve({ kind: 'response', status: res.statusCode ?? 0, headers, body });
          });
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) => resolve({ kind: 'error', code: e.code ?? 'ERROR', message: e.message }));
      req.end();
    });
}

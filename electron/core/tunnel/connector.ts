/**
 * The connector: cloudflared as one more service of the instance, added to the recipe by a pure
 * function so `plan()` stays pure and `engawa plan --tunnel …` shows it with no API call.
 *
 * Facts it relies on (cloudflared 2026.8.2, see reference/cloudflare-tunnel.md §2):
 * - the image's ENTRYPOINT is `cloudflared --no-autoupdate`, it runs as 65532:65532, no shell;
 * - `TUNNEL_TOKEN_FILE` (>= 2025.4.0, `cmd/cloudflared/tunnel/subcommands.go`) reads the token
 *   from a file, so the token is in neither the command line nor the environment (`docker inspect`);
 * - `tunnel --metrics ADDR ready` exits non-zero unless /ready says an edge connection is up.
 * It publishes no port: the tunnel is outbound only, and it reaches the services by name on the
 * instance network.
 */
import { EngawaError } from '../util/errors';
import type { Recipe, ServiceSpec } from '../stacks/types';
import { TUNNEL_SECRETS, type TunnelProtocol } from './types';

/** The tested cloudflared release. */
export const CLOUDFLARED_VERSION = '2026.8.2';
export const CLOUDFLARED_IMAGE = `cloudflare/cloudflared:${CLOUDFLARED_VERSION}`;
/** The connector's service name in every instance. */
export const CONNECTOR_SERVICE = 'cloudflared';
/** Where the token file is placed (read-only for cloudflared's user, 65532). */
export const TOKEN_FILE = '/etc/cloudflared/token';
/** cloudflared's metrics server (with /ready and /debug/pprof): on the container's loopback only, never the instance network */
export const METRICS_PORT = 20241;
/** cloudflared's user in the official image */
const NONROOT = 65532;

/** The connector choices that shape the service. */
export interface ConnectorOptions {
  protocol: TunnelProtocol;
}

/** The cloudflared service. Its token is the placeholder {{secret.tunnel_token}}, filled in by `plan()`. */
export function connectorService(opts: ConnectorOptions): ServiceSpec {
  return {
    name: CONNECTOR_SERVICE,
    image: CLOUDFLARED_IMAGE,
    command: ['tunnel', '--no-autoupdate', '--metrics', `127.0.0.1:${METRICS_PORT}`, ...(opts.protocol === 'http2' ? ['--protocol', 'http2'] : []), 'run'],
    env: { TUNNEL_TOKEN_FILE: TOKEN_FILE },
    files: [{ path: TOKEN_FILE, content: `{{secret.${TUNNEL_SECRETS.connector}}}`, mode: 0o400, uid: NONROOT, gid: NONROOT }],
    healthcheck: {
      test: ['CMD', 'cloudflared', 'tunnel', '--metrics', `127.0.0.1:${METRICS_PORT}`, 'ready'],
      intervalMs: 2000,
      timeoutMs: 5000,
      retries: 5,
      startPeriodMs: 60_000,
    },
    stopTimeoutS: 10,
    memoryMiB: 64,
  };
}

/** `recipe` plus the connector service and its token secret (a new object; `recipe` is untouched). */
export function withConnector(recipe: Recipe, opts: ConnectorOptions): Recipe {
  if (recipe.services.some((s) => s.name === CONNECTOR_SERVICE)) {
    throw new EngawaError('INTERNAL', `The recipe is broken: it already has a service called "${CONNECTOR_SERVICE}".`);
  }
  return {
    ...recipe,
    secrets: [
      ...recipe.secrets,
      {
        name: TUNNEL_SECRETS.connector,
        kind: { type: 'base64url', bytes: 32 },
        description: 'Cloudflare Tunnel connector token (from Cloudflare, never generated)',
        userSupplied: true,
      },
    ],
    services: [...recipe.services, connectorService(opts)],
  };
}

/** Stands in for the connector token where no real one may appear (`engawa plan`). */
export const TOKEN_PLACEHOLDER = '<the tunnel token, fetched from Cloudflare at creation>';

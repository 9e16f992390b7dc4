/**
 * Cloudflare Tunnel types: what the user chooses, what the instance record keeps (never a token),
 * and the JSON shapes of Cloudflare's API that Engawa reads and writes.
 */

/** `auto` lets cloudflared try QUIC (UDP 7844) first; `http2` forces TCP where UDP is blocked. */
export type TunnelProtocol = 'auto' | 'http2';

/**
 * How an instance reaches the internet, as given to `create`:
 * - `api`: Engawa creates and manages a tunnel with the user's Cloudflare API token;
 * - `token`: the user made a tunnel in Cloudflare's dashboard and pastes its connector token;
 * - `login`: the user signs in to Cloudflare in the browser (`cloudflared tunnel login`) and Engawa
 *   manages a locally-managed tunnel with cloudflared commands (see login.ts).
 * `hostname`, when given, must be the server's public host (it follows from the domain).
 */
export type TunnelInput =
  | 'none'
  | { mode: 'api'; apiToken: string; zone: string; hostname?: string; protocol?: TunnelProtocol }
  | { mode: 'token'; connectorToken: string; hostname?: string; protocol?: TunnelProtocol }
  | {
      mode: 'login';
      hostname?: string;
      protocol?: TunnelProtocol;
      /** how long to wait for the user to finish signing in (default 10 minutes) */
      timeoutMs?: number;
      /**
       * Receives the sign-in link as soon as cloudflared prints it, for in-process callers (the CLI).
       * The same link is also the `detail` of the progress step SIGN_IN_STEP, which is what the UI uses.
       */
      onLink?: (url: string) => void;
    };

/** A DNS record Engawa created (only these are ever changed or deleted). */
export interface OwnedDnsRecord {
  id: string;
  name: string;
}

/**
 * The tunnel part of an instance record (`InstanceRecord.tunnel`). Tokens are never here: the
 * connector token and the API token live in the SecretStore. Provisioning progress (tunnel id,
 * record ids) is written as it happens, so an interrupted create or destroy resumes.
 */
export type TunnelRecord =
  | {
      mode: 'api';
      protocol: TunnelProtocol;
      /** the public host of the web service: the instance answers at https://<publicHost> */
      publicHost: string;
      /** stable tunnel name, `engawa-<instance>-<short id>`: provisioning finds the tunnel by it */
      name: string;
      zone: { id: string; name: string };
      accountId: string;
      /** set once the tunnel exists */
      tunnelId?: string;
      /** the public names routed to the tunnel (each gets a proxied CNAME) */
      hostnames: string[];
      /** the DNS records Engawa created, the only ones it changes or deletes */
      dnsRecords: OwnedDnsRecord[];
    }
  | {
      mode: 'token';
      protocol: TunnelProtocol;
      publicHost: string;
      /** from the connector token, to tell the user what the DNS records point to */
      tunnelId: string;
    }
  | {
      mode: 'login';
      protocol: TunnelProtocol;
      publicHost: string;
      /** stable tunnel name, `engawa-<instance>-<short id>`: provisioning finds the tunnel by it */
      name: string;
      /** the Docker volume that is cloudflared's home: cert.pem from the sign-in and the tunnel's credentials */
      volume: string;
      /** set once the tunnel exists */
      tunnelId?: string;
      /** the public names routed to the tunnel (each gets a proxied CNAME from `cloudflared tunnel route dns`) */
      hostnames: string[];
      /** the DNS names cloudflared pointed at the tunnel; cloudflared cannot delete them, so destroy names them */
      routed: string[];
    };

/** The names under which tunnel secrets are kept in the instance's SecretStore entry. */
export const TUNNEL_SECRETS = {
  /** the connector token cloudflared runs with (a recipe secret of the connector service) */
  connector: 'tunnel_token',
  /** the user's Cloudflare API token (api mode), needed again for status and teardown */
  api: 'cloudflare_api_token',
  /**
   * a sign-in tunnel's credentials file (JSON: AccountTag, TunnelSecret, TunnelID), the connector's
   * only credential: it runs that one tunnel and cannot edit DNS, unlike cert.pem, which stays in
   * cloudflared's home volume for provisioning and teardown (login-connector.ts)
   */
  credentials: 'tunnel_credentials',
} as const;

// ---- Cloudflare API shapes (only the fields Engawa uses) ----

/** The envelope of every Cloudflare API v4 answer. */
export interface CfEnvelope<T> {
  success: boolean;
  errors: { code: number; message: string }[];
  messages: { code: number; message: string }[];
  result: T;
  result_info?: { page: number; per_page: number; count: number; total_count: number; total_pages?: number };
}

export interface CfZone {
  id: string;
  name: string;
  /** `pending` until the registrar's name servers point to Cloudflare */
  status: 'active' | 'pending' | 'initializing' | 'moved' | 'deleted' | 'deactivated';
  name_servers: string[];
  account: { id: string; name?: string };
}

export interface CfAccount {
  id: string;
  name: string;
}

export interface CfTunnelConnection {
  colo_name: string;
  client_version?: string;
  is_pending_reconnect: boolean;
}

export interface CfTunnel {
  id: string;
  name: string;
  status: 'inactive' | 'healthy' | 'degraded' | 'down';
  remote_config: boolean;
  deleted_at?: string | null;
  connections: CfTunnelConnection[];
}

/** One cloudflared ingress rule as the configurations API takes it. */
export interface IngressRuleJson {
  /** absent on the final catch-all rule */
  hostname?: string;
  /** a Go regular expression on the request path, unanchored unless it says so */
  path?: string;
  /** `http://<service>:<port>` or `http_status:<code>` */
  service: string;
}

export interface TunnelConfigJson {
  ingress: IngressRuleJson[];
}

export interface CfDnsRecord {
  id: string;
  type: string;
  name: string;
  content: string;
  proxied: boolean;
  ttl: number;
  comment?: string | null;
}

/** The fields Engawa sends when it creates or updates a DNS record. */
export interface DnsRecordInput {
  type: 'CNAME';
  name: string;
  content: string;
  proxied: true;
  ttl: 1;
  comment: string;
}

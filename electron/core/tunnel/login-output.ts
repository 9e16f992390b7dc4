/**
 * Reading what cloudflared 2026.8.2 prints, for the "sign in with Cloudflare" mode. Each format is
 * quoted from cloudflared's source (log lines go to stderr as `<RFC3339 time> INF|ERR <message>`,
 * `logger/create.go`; plain results go to stdout):
 * - `tunnel login` (`token/transfer.go` RunTransfer): "Please open the following URL and log in with
 *   your Cloudflare account:\n\n<URL>\n\nLeave cloudflared running to download the cert
 *   automatically." (or "A browser window should have opened at the following URL:\n\n<URL>…"), on
 *   stderr; with a cert.pem already there it logs "You have an existing certificate at <path> which
 *   login would overwrite." and exits 0 (`login.go`);
 * - `tunnel create NAME` (`subcommand_context.go` create): "…\n\nCreated tunnel <name> with id <uuid>";
 * - `tunnel list --output json` (`subcommands.go` renderOutput): a JSON array (or `null`) of
 *   `{id, name, created_at, deleted_at, connections}` (`cfapi/tunnel.go` Tunnel);
 * - `tunnel route dns` (`cfapi/hostname.go` SuccessSummary): "Added CNAME <name> which will route to
 *   this tunnel", "<name> updated to route to your tunnel" or "<name> is already configured to route
 *   to your tunnel", where <name> is the record Cloudflare made (outside the signed-in domain,
 *   Cloudflare appends that domain to the name);
 * - a conflicting record: "Failed to add route: code: 1003, reason: An A, AAAA, or CNAME record with
 *   that host already exists." (Cloudflare's API message, as users report it);
 * - no cert.pem (`credentials/origin_cert.go` FindOriginCert): "Cannot determine default origin
 *   certificate path…" / "cannot find a valid certificate…".
 */

/** The sign-in link in one line of `tunnel login` output, if that line is it. */
export function parseLoginUrl(line: string): string | undefined {
  const m = /^\s*(https:\/\/\S+)\s*$/.exec(line);
  return m?.[1];
}

/** `tunnel login` found a cert.pem and did nothing. */
export function hasExistingCert(output: string): boolean {
  return /You have an existing certificate at /.test(output);
}

/** A command failed because there is no cert.pem (never signed in, or the volume is gone). */
export function isMissingCert(output: string): boolean {
  return /origin certificate path|origincert path|cannot find a valid certificate|missing token in the certificate/i.test(output);
}

/** The tunnel `tunnel create` made, or undefined when its output does not say. */
export function parseCreatedTunnel(stdout: string): { name: string; id: string } | undefined {
  const m = /Created tunnel (\S+) with id ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i.exec(stdout);
  return m ? { name: m[1] as string, id: (m[2] as string).toLowerCase() } : undefined;
}

/** A tunnel as `tunnel list --output json` shows it. */
export interface ListedTunnel {
  id: string;
  name: string;
  /** Go's zero time ("0001-01-01T00:00:00Z") when not deleted */
  deleted: boolean;
}

/** The tunnels of `tunnel list --output json`; throws when the output is not that. */
export function parseTunnelList(stdout: string): ListedTunnel[] {
  const value: unknown = JSON.parse(stdout.trim() === '' ? 'null' : stdout);
  if (value === null) return [];
  if (!Array.isArray(value)) throw new Error('not a list of tunnels');
  return value.map((t: unknown) => {
    const { id, name, deleted_at: deletedAt } = (t ?? {}) as { id?: unknown; name?: unknown; deleted_at?: unknown };
    if (typeof id !== 'string' || typeof name !== 'string') throw new Error('a tunnel without id or name');
    const deleted = typeof deletedAt === 'string' && !deletedAt.startsWith('0001-01-01');
    return { id: id.toLowerCase(), name, deleted };
  });
}

/** What `tunnel route dns` did, by the record name Cloudflare reports. */
export interface RouteResult {
  /** the DNS record's name as Cloudflare made it */
  name: string;
  change: 'new' | 'updated' | 'unchanged';
}

/** The result of `tunnel route dns`, or undefined when its output does not say. */
export function parseRouteResult(output: string): RouteResult | undefined {
  const added = /Added CNAME (\S+) which will route to this tunnel/.exec(output);
  if (added) return { name: (added[1] as string).toLowerCase(), change: 'new' };
  const updated = /(\S+) updated to route to your tunnel/.exec(output);
  if (updated) return { name: (updated[1] as string).toLowerCase(), change: 'updated' };
  const same = /(\S+) is already configured to route to your tunnel/.exec(output);
  if (same) return { name: (same[1] as string).toLowerCase(), change: 'unchanged' };
  return undefined;
}

/** `tunnel route dns` refused because the name already has a record (one Engawa did not make). */
export function isRecordTaken(output: string): boolean {
  return /\b1003\b|record with that host already exists|already exists with that host/i.test(output);
}

/**
 * The credentials file of a tunnel, from what `cloudflared tunnel token ID` prints: the base64 of
 * `{"a": account tag, "t": tunnel id, "s": tunnel secret}` (the same token a dashboard-made tunnel
 * runs with), rewritten in the credentials file's own keys. undefined unless it is a token of `id`.
 */
export function credentialsFromToken(stdout: string, id: string): string | undefined {
  const token = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .at(-1);
  if (token === undefined || !/^[A-Za-z0-9+/_-]+=*$/.test(token)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  const { a, t, s } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof a !== 'string' || typeof s !== 'string' || t !== id || a === '' || s === '') return undefined;
  return JSON.stringify({ AccountTag: a, TunnelSecret: s, TunnelID: t });
}

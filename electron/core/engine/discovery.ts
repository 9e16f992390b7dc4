/**
 * Where a Docker (or Docker-compatible) engine may be listening, in the order to try them.
 * Pure: everything about the machine comes in through `DiscoveryEnv`, so every OS can be tested
 * anywhere. `connect.ts` turns the candidates into a live connection.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';

/** The facts about the machine that discovery reads. `realDiscoveryEnv()` in connect.ts gives the real ones. */
export interface DiscoveryEnv {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  home: string;
  uid?: number;
  exists(path: string): boolean;
  readFile(path: string): string | undefined;
}

/** One place an engine may answer. Exactly one of `socketPath` / `host` is set unless `problem` is. */
export interface Endpoint {
  /** short tag: 'DOCKER_HOST', 'context:<name>', 'docker-desktop', 'orbstack', 'colima', 'podman', … */
  source: string;
  /** unix:///path, npipe:////./pipe/x, tcp://host:port */
  url: string;
  /** unix socket path or Windows named pipe (//./pipe/x) */
  socketPath?: string;
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
  /** folder with ca.pem, cert.pem, key.pem for https */
  tlsDir?: string;
  /** set when the configured address cannot be used at all (e.g. ssh://); a plain sentence */
  problem?: string;
}

/** All candidate endpoints in priority order, without duplicates (same `url`). */
export function candidateEndpoints(e: DiscoveryEnv): Endpoint[] {
  const list: Endpoint[] = [];
  const dockerHost = e.env.DOCKER_HOST?.trim();
  if (dockerHost) list.push(parseHost(dockerHost, 'DOCKER_HOST', e, tlsFromEnv(e)));
  const context = currentContextEndpoint(e);
  if (context) list.push(context);
  list.push(...platformEndpoints(e));
  const seen = new Set<string>();
  return list.filter((ep) => !seen.has(ep.url) && seen.add(ep.url));
}

/** Plain advice for when no engine answers anywhere, per OS. */
export function engineNotFoundHint(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'Install Docker Desktop (or OrbStack, Colima or Rancher Desktop), start it and wait until it says it is running, then try again.';
    case 'win32':
      return 'Install Docker Desktop, start it and wait until it says "Engine running", then try again.';
    default:
      return 'Install Docker from your distribution’s packages, start it with "sudo systemctl start docker", and add yourself to the docker group with "sudo usermod -aG docker $USER" (then log out and back in).';
  }
}

/** Advice for a socket that exists but may not be used (EACCES), per OS. */
export function enginePermissionHint(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'linux':
      return 'Add yourself to the docker group with "sudo usermod -aG docker $USER", then log out and back in.';
    case 'win32':
      return 'Add your account to the "docker-users" group, then sign out and back in.';
    default:
      return 'Restart Docker Desktop, then try again.';
  }
}

function pathFor(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/** Docker's config folder: $DOCKER_CONFIG or ~/.docker. */
function configDir(e: DiscoveryEnv): string {
  return e.env.DOCKER_CONFIG || pathFor(e.platform).join(e.home, '.docker');
}

/** TLS settings the Docker CLI reads from the environment for a tcp:// DOCKER_HOST. */
function tlsFromEnv(e: DiscoveryEnv): { tls: boolean; tlsDir?: string } {
  const tls = Boolean(e.env.DOCKER_TLS_VERIFY || e.env.DOCKER_TLS);
  return tls ? { tls, tlsDir: e.env.DOCKER_CERT_PATH || configDir(e) } : { tls };
}

/** Parses a Docker host address (DOCKER_HOST syntax) into an endpoint. */
function parseHost(raw: string, source: string, e: DiscoveryEnv, tls: { tls: boolean; tlsDir?: string }): Endpoint {
  if (raw.startsWith('unix://')) {
    const socketPath = raw.slice('unix://'.length) || '/var/run/docker.sock';
    return { source, url: `unix://${socketPath}`, socketPath };
  }
  if (raw.startsWith('npipe://')) {
    const socketPath = (raw.slice('npipe://'.length) || '//./pipe/docker_engine').replace(/\\/g, '/');
    return { source, url: `npipe://${socketPath}`, socketPath };
  }
  const withScheme = raw.includes('://') ? raw : `tcp://${raw}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    return { source, url: raw, problem: `The Docker address "${raw}" is not valid; fix it or remove it.` };
  }
  if (u.protocol !== 'tcp:' && u.protocol !== 'http:' && u.protocol !== 'https:') {
    return {
      source,
      url: raw,
      problem: `Engawa cannot use ${u.protocol}// Docker addresses; use a local Docker engine or a unix://, npipe:// or tcp:// address.`,
    };
  }
  const https = tls.tls || u.protocol === 'https:' || u.port === '2376';
  const port = u.port ? Number(u.port) : https ? 2376 : 2375;
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const ep: Endpoint = { source, url: `tcp://${u.hostname}:${port}`, host, port, protocol: https ? 'https' : 'http' };
  if (https) ep.tlsDir = tls.tlsDir ?? configDir(e);
  return ep;
}

/** The endpoint of the current `docker context`, unless it is "default" (no override). */
function currentContextEndpoint(e: DiscoveryEnv): Endpoint | undefined {
  const p = pathFor(e.platform);
  const dir = configDir(e);
  const name = e.env.DOCKER_CONTEXT?.trim() || readJson(e, p.join(dir, 'config.json'))?.currentContext;
  if (typeof name !== 'string' || name === '' || name === 'default') return undefined;
  const source = `context:${name}`;
  const digest = createHash('sha256').update(name).digest('hex');
  const meta = readJson(e, p.join(dir, 'contexts', 'meta', digest, 'meta.json'));
  const host = meta?.Endpoints?.docker?.Host;
  if (typeof host !== 'string' || host === '') {
    return {
      source,
      url: `context:${name}`,
      problem: `The Docker context "${name}" is selected but has no engine address; run "docker context use default" or fix the context.`,
    };
  }
  const tlsDir = p.join(dir, 'contexts', 'tls', digest, 'docker');
  return parseHost(host, source, e, e.exists(tlsDir) ? { tls: true, tlsDir } : { tls: false });
}

interface DockerJson {
  currentContext?: unknown;
  Endpoints?: { docker?: { Host?: unknown } };
}

function readJson(e: DiscoveryEnv, file: string): DockerJson | undefined {
  const text = e.readFile(file);
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' ? (v as DockerJson) : undefined;
  } catch {
    return undefined;
  }
}

/** The well-known places per OS; unix sockets only when the file exists, pipes always. */
function platformEndpoints(e: DiscoveryEnv): Endpoint[] {
  if (e.platform === 'win32') {
    return [
      pipe('default-pipe', 'docker_engine'), // Docker Desktop and Rancher Desktop (moby) both serve this one
      pipe('docker-desktop', 'dockerDesktopLinuxEngine'),
      pipe('podman', 'podman-machine-default'),
    ];
  }
  const p = path.posix;
  const h = (...parts: string[]) => p.join(e.home, ...parts);
  const sockets: [string, string | undefined][] =
    e.platform === 'darwin'
      ? [
          ['docker-desktop', h('.docker/run/docker.sock')],
          ['default-socket', '/var/run/docker.sock'],
          ['orbstack', h('.orbstack/run/docker.sock')],
          ['colima', h('.colima/default/docker.sock')],
          ['colima', h('.colima/docker.sock')],
          ['rancher-desktop', h('.rd/docker.sock')],
          ['podman', h('.local/share/containers/podman/machine/podman.sock')],
          ['podman', e.env.TMPDIR ? p.join(e.env.TMPDIR, 'podman', 'podman-machine-default-api.sock') : undefined],
        ]
      : linuxSockets(e);
  return sockets
    .filter((s): s is [string, string] => s[1] !== undefined && e.exists(s[1]))
    .map(([source, socketPath]) => ({ source, url: `unix://${socketPath}`, socketPath }));
}

function linuxSockets(e: DiscoveryEnv): [string, string | undefined][] {
  const p = path.posix;
  const runtimeDir = e.env.XDG_RUNTIME_DIR || (e.uid !== undefined ? `/run/user/${e.uid}` : undefined);
  return [
    ['default-socket', '/var/run/docker.sock'],
    // /var/run is a link to /run on current systems: only look there when the first is absent
    ['default-socket', e.exists('/var/run/docker.sock') ? undefined : '/run/docker.sock'],
    ['rootless', runtimeDir && p.join(runtimeDir, 'docker.sock')],
    ['docker-desktop', p.join(e.home, '.docker/desktop/docker.sock')],
    ['podman', runtimeDir && p.join(runtimeDir, 'podman/podman.sock')],
    ['podman', '/run/podman/podman.sock'],
  ];
}

function pipe(source: string, name: string): Endpoint {
  const socketPath = `//./pipe/${name}`;
  return { source, url: `npipe://${socketPath}`, socketPath };
}

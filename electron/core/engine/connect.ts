/**
 * Connecting to the Docker engine: a dockerode client per endpoint, a ping with a deadline, the
 * engine's facts (EngineInfo) and `connectEngine`, which tries the discovered endpoints in order.
 * The API version is never pinned: dockerode then speaks the engine's own default version.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import type { VmFacts } from './vm-probe';
import { EngawaError, type ErrorCode } from '../util/errors';
import type { EngineInfo } from './types';
import { classifyEngineError } from './classify';
import { candidateEndpoints, engineNotFoundHint, enginePermissionHint, type DiscoveryEnv, type Endpoint } from './discovery';

/** The oldest Docker Engine API Engawa works with (Docker 20.10). */
export const MIN_API_VERSION = '1.41';

const DEFAULT_TIMEOUT_MS = 3000;

/** The real machine, for `candidateEndpoints`. */
export function realDiscoveryEnv(): DiscoveryEnv {
  const e: DiscoveryEnv = {
    platform: process.platform,
    env: { ...process.env },
    home: os.homedir(),
    exists: (p) => fs.existsSync(p),
    readFile: (p) => {
      try {
        return fs.readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
  };
  const uid = process.getuid?.();
  if (uid !== undefined) e.uid = uid;
  return e;
}

/**
 * A dockerode client for one endpoint. Every connection option is set explicitly so that
 * dockerode's own reading of DOCKER_HOST cannot redirect it elsewhere.
 */
export function dockerFor(ep: Endpoint): Dockerode {
  if (ep.problem !== undefined) throw new EngawaError('ENGINE_UNREACHABLE', ep.problem, { endpoint: ep.url });
  const base = { socketPath: undefined, host: undefined, port: undefined, protocol: undefined, ca: undefined, cert: undefined, key: undefined };
  if (ep.socketPath !== undefined) return new Dockerode({ ...base, socketPath: ep.socketPath });
  const opts: Dockerode.DockerOptions = { ...base, host: ep.host, port: ep.port, protocol: ep.protocol ?? 'http' };
  if (ep.protocol === 'https' && ep.tlsDir !== undefined) {
    const read = (name: string) => {
      const file = path.join(ep.tlsDir as string, name);
      return fs.existsSync(file) ? fs.readFileSync(file) : undefined;
    };
    opts.ca = read('ca.pem');
    opts.cert = read('cert.pem');
    opts.key = read('key.pem');
  }
  return new Dockerode(opts);
}

/** dockerode's methods accept an abort signal; its type definitions do not say so. */
type SignalCall = (opts: { abortSignal: AbortSignal }) => Promise<unknown>;

/** Runs `call` with an abort signal that fires after `ms`; rejects with ENGINE_UNREACHABLE then. */
async function withDeadline<T>(ms: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      const s = Math.max(1, Math.round(ms / 1000));
      reject(
        new EngawaError(
          'ENGINE_UNREACHABLE',
          `Docker did not answer within ${s} second${s === 1 ? '' : 's'}; make sure Docker is running and has finished starting, then try again.`,
          {
            timeoutMs: ms,
          },
        ),
      );
    }, ms);
  });
  try {
    return await Promise.race([call(ac.signal), deadline]);
  } catch (e) {
    throw classifyEngineError(e);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves when the engine answers `/_ping` with "OK" within `timeoutMs`; else an EngawaError. */
export async function ping(docker: Dockerode, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  const answer = await withDeadline(timeoutMs, (abortSignal) => (docker.ping as unknown as SignalCall).call(docker, { abortSignal }));
  if (String(answer).trim() !== 'OK') {
    throw new EngawaError(
      'ENGINE_UNREACHABLE',
      'The program at the Docker address answered but is not a Docker engine; check DOCKER_HOST or your Docker context.',
      {
        answer: String(answer).slice(0, 200),
      },
    );
  }
}

/** How to learn facts about the machine the app runs on (injectable for tests). */
export interface HostProbe {
  platform: NodeJS.Platform;
  /** free bytes for unprivileged use on the filesystem holding `dir`, undefined if `dir` is not here */
  freeBytes(dir: string): Promise<number | undefined>;
  /** the CPU flags of /proc/cpuinfo, undefined when unreadable */
  cpuFlags(): Promise<string[] | undefined>;
}

/** The real machine. */
export function realHostProbe(): HostProbe {
  return {
    platform: process.platform,
    async freeBytes(dir) {
      try {
        const s = await fs.promises.statfs(dir);
        return s.bavail * s.bsize;
      } catch {
        return undefined;
      }
    },
    async cpuFlags() {
      try {
        const text = await fs.promises.readFile('/proc/cpuinfo', 'utf8');
        return /^flags\s*:(.*)$/m.exec(text)?.[1]?.trim().split(/\s+/);
      } catch {
        return undefined;
      }
    },
  };
}

interface VersionJson {
  Version?: string;
  ApiVersion?: string;
  MinAPIVersion?: string;
  Os?: string;
  Arch?: string;
  KernelVersion?: string;
  Platform?: { Name?: string };
  Components?: { Name?: string }[];
}

interface InfoJson {
  OperatingSystem?: string;
  OSType?: string;
  Architecture?: string;
  KernelVersion?: string;
  NCPU?: number;
  MemTotal?: number;
  DockerRootDir?: string;
}

/**
 * Reads version and system facts from the engine, plus free disk and CPU facts: measured inside the
 * engine's machine by `vm` (the probe container, engine/vm-probe.ts) when given, else read on this
 * machine when the engine is on it (a local unix socket).
 */
export async function readEngineInfo(
  docker: Dockerode,
  ep: Endpoint,
  probe: HostProbe = realHostProbe(),
  timeoutMs = DEFAULT_TIMEOUT_MS,
  vm?: () => Promise<VmFacts | undefined>,
): Promise<EngineInfo> {
  const [v, i] = (await Promise.all([
    withDeadline(timeoutMs, (abortSignal) => (docker.version as unknown as SignalCall).call(docker, { abortSignal })),
    withDeadline(timeoutMs, (abortSignal) => (docker.info as unknown as SignalCall).call(docker, { abortSignal })),
  ])) as [VersionJson, InfoJson];
  const podman = [v.Platform?.Name, ...(v.Components ?? []).map((c) => c.Name)].some((n) => /podman/i.test(n ?? ''));
  const info: EngineInfo = {
    source: ep.source,
    endpoint: ep.url,
    version: v.Version ?? 'unknown',
    apiVersion: v.ApiVersion ?? '',
    os: i.OperatingSystem ?? v.Os ?? 'unknown',
    osType: i.OSType ?? v.Os ?? 'unknown',
    arch: i.Architecture ?? v.Arch ?? 'unknown',
    cpus: i.NCPU ?? 0,
    memoryBytes: i.MemTotal ?? 0,
    flavor: podman ? 'podman' : 'docker',
  };
  if (v.MinAPIVersion) info.minApiVersion = v.MinAPIVersion;
  const kernel = i.KernelVersion ?? v.KernelVersion;
  if (kernel) info.kernel = kernel;
  const measured = vm !== undefined && info.osType === 'linux' ? await vm() : undefined;
  // Without a measurement: a unix socket means the same machine (or its VM: then the host's own
  // disk, which is wrong for Docker Desktop; hence the probe); named pipes and tcp may be anywhere.
  const localSocket = ep.url.startsWith('unix://') && probe.platform !== 'win32';
  if (measured?.freeDiskBytes !== undefined) info.freeDiskBytes = measured.freeDiskBytes;
  else if (localSocket && i.DockerRootDir) {
    const free = await probe.freeBytes(i.DockerRootDir);
    if (free !== undefined) info.freeDiskBytes = free;
  }
  if (/^(x86_64|amd64)$/.test(info.arch)) {
    if (measured?.cpuFlags !== undefined) info.sse42 = measured.cpuFlags.includes('sse4_2');
    else if (localSocket && probe.platform === 'linux' && info.osType === 'linux') {
      const flags = await probe.cpuFlags();
      if (flags !== undefined) info.sse42 = flags.includes('sse4_2');
    }
  }
  return info;
}

/** Compares two "major.minor" API versions: negative when a < b, 0 when equal, positive when a > b. */
export function compareApiVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  return (pa[0] ?? 0) - (pb[0] ?? 0) || (pa[1] ?? 0) - (pb[1] ?? 0);
}

/** Throws ENGINE_TOO_OLD when the engine's API is older than MIN_API_VERSION (an unreadable version passes). */
export function checkApiVersion(info: Pick<EngineInfo, 'version' | 'apiVersion'>): void {
  if (!/^\d+\.\d+$/.test(info.apiVersion)) return;
  if (compareApiVersions(info.apiVersion, MIN_API_VERSION) >= 0) return;
  throw new EngawaError(
    'ENGINE_TOO_OLD',
    `Your Docker engine ${info.version} (API ${info.apiVersion}) is too old for Engawa, which needs API ${MIN_API_VERSION} (Docker 20.10) or newer; update Docker and try again.`,
    { version: info.version, apiVersion: info.apiVersion, minApiVersion: MIN_API_VERSION },
  );
}

/** One endpoint that did not answer, as listed in the error of `connectEngine`. */
export interface TriedEndpoint {
  source: string;
  url: string;
  code: ErrorCode;
  error: string;
}

/**
 * Tries every candidate endpoint in order and returns the first engine that answers.
 * Throws ENGINE_TOO_OLD when that engine is too old; when none answers, ENGINE_PERMISSION if a
 * socket refused us (the likelier fix), else ENGINE_UNREACHABLE; both with `details.tried` and `details.hint`.
 */
export async function connectEngine(opts: { discovery?: DiscoveryEnv; timeoutMs?: number; probe?: HostProbe } = {}): Promise<{
  docker: Dockerode;
  endpoint: Endpoint;
  info: EngineInfo;
}> {
  const env = opts.discovery ?? realDiscoveryEnv();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const tried: TriedEndpoint[] = [];
  // DOCKER_HOST is a deliberate choice (as for the docker CLI): use it or fail, never silently
  // talk to another engine. Contexts and the usual sockets are tried in order.
  const all = candidateEndpoints(env);
  const candidates = all[0]?.source === 'DOCKER_HOST' ? all.slice(0, 1) : all;
  for (const endpoint of candidates) {
    let found: { docker: Dockerode; info: EngineInfo };
    try {
      const docker = dockerFor(endpoint);
      await ping(docker, timeoutMs);
      found = { docker, info: await readEngineInfo(docker, endpoint, opts.probe, timeoutMs) };
    } catch (e) {
      const err = classifyEngineError(e, env.platform);
      tried.push({ source: endpoint.source, url: endpoint.url, code: err.code, error: err.message });
      continue;
    }
    checkApiVersion(found.info);
    return { ...found, endpoint };
  }
  const denied = tried.find((t) => t.code === 'ENGINE_PERMISSION');
  if (denied) {
    throw new EngawaError('ENGINE_PERMISSION', denied.error, { tried, hint: enginePermissionHint(env.platform) });
  }
  const hint = engineNotFoundHint(env.platform);
  throw new EngawaError('ENGINE_UNREACHABLE', `Engawa found no running Docker engine; ${hint.charAt(0).toLowerCase()}${hint.slice(1)}`, { tried, hint });
}

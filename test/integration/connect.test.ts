import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEngawaError, type EngawaError } from '../../electron/core/util/errors';
import type { DiscoveryEnv, Endpoint } from '../../electron/core/engine/discovery';
import {
  MIN_API_VERSION,
  checkApiVersion,
  compareApiVersions,
  connectEngine,
  dockerFor,
  ping,
  readEngineInfo,
  realDiscoveryEnv,
  type HostProbe,
} from '../../electron/core/engine/connect';
import { probeEngineVm } from '../../electron/core/engine/vm-probe';

// Sockets live in a short temp dir (unix socket paths are limited to ~108 bytes).
let dir: string;
const servers: net.Server[] = [];
const connections = new Set<net.Socket>();

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'engawa-conn-'));
});

afterAll(async () => {
  // dockerode keeps connections alive: end them or close() would wait for them
  for (const c of connections) c.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A Linux machine whose only candidate is DOCKER_HOST=unix://<socket> (nothing else exists). */
function onlyHost(socket: string): DiscoveryEnv {
  return { platform: 'linux', env: { DOCKER_HOST: `unix://${socket}` }, home: dir, exists: () => false, readFile: () => undefined };
}

async function rejection(p: Promise<unknown>): Promise<EngawaError> {
  try {
    await p;
  } catch (e) {
    if (isEngawaError(e)) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

async function listen<S extends net.Server>(server: S, socket: string): Promise<S> {
  servers.push(server);
  server.on('connection', (c: net.Socket) => connections.add(c));
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return server;
}

/** A stand-in engine speaking just enough of the API for connectEngine. */
function fakeEngine(version: Record<string, unknown>): http.Server {
  return http.createServer((req, res) => {
    const body =
      req.url === '/_ping'
        ? 'OK'
        : req.url === '/version'
          ? JSON.stringify(version)
          : req.url === '/info'
            ? JSON.stringify({
                OSType: 'linux',
                Architecture: 'aarch64',
                NCPU: 4,
                MemTotal: 8e9,
                OperatingSystem: 'Stand-in',
                DockerRootDir: '/nonexistent/docker',
              })
            : '';
    res.writeHead(body ? 200 : 404, { 'Content-Type': req.url === '/_ping' ? 'text/plain' : 'application/json' });
    res.end(body);
  });
}

describe('the real engine', () => {
  it('is found by connectEngine with the real discovery and reports its facts', async () => {
    expect(process.env.DOCKER_HOST, 'DOCKER_HOST must point at the test engine').toBeTruthy();
    const { docker, endpoint, info } = await connectEngine({ discovery: realDiscoveryEnv() });
    expect(endpoint.source).toBe('DOCKER_HOST');
    expect(info.endpoint).toBe(process.env.DOCKER_HOST);
    expect(info.version).not.toBe('unknown');
    expect(compareApiVersions(info.apiVersion, MIN_API_VERSION)).toBeGreaterThanOrEqual(0);
    expect(info.cpus).toBeGreaterThan(0);
    expect(info.memoryBytes).toBeGreaterThan(0);
    expect(info.flavor).toBe('docker');
    await ping(docker, 2000);
    const root = ((await docker.info()) as { DockerRootDir: string }).DockerRootDir;
    if (fs.existsSync(root)) expect(info.freeDiskBytes).toBeGreaterThan(0);
    if (process.platform === 'linux' && /^(x86_64|amd64)$/.test(info.arch)) expect(typeof info.sse42).toBe('boolean');
  });

  it('reads disk and CPU facts only through the probe, and only for a local socket', async () => {
    const { docker, endpoint } = await connectEngine({ discovery: realDiscoveryEnv() });
    const probe: HostProbe = { platform: 'linux', freeBytes: async () => 12345, cpuFlags: async () => ['fpu', 'sse4_2'] };
    const local = await readEngineInfo(docker, endpoint, probe);
    expect(local.freeDiskBytes).toBe(12345);
    if (/^(x86_64|amd64)$/.test(local.arch)) expect(local.sse42).toBe(true);
    const remote: Endpoint = { source: 'DOCKER_HOST', url: 'tcp://192.0.2.1:2375', host: '192.0.2.1', port: 2375, protocol: 'http' };
    const far = await readEngineInfo(docker, remote, probe);
    expect(far.freeDiskBytes).toBeUndefined();
    expect(far.sse42).toBeUndefined();
    expect(far.endpoint).toBe('tcp://192.0.2.1:2375');
  });
});

describe('the probe container (facts from inside the engine, as on Docker Desktop)', () => {
  it('measures free disk of the data root and the CPU flags, with the host probe pretending to be a Mac', async () => {
    const { docker, endpoint } = await connectEngine({ discovery: realDiscoveryEnv() });
    const mac: HostProbe = { platform: 'darwin', freeBytes: async () => 1, cpuFlags: async () => ['mac-only'] };
    const info = await readEngineInfo(docker, endpoint, mac, 5000, () => probeEngineVm(docker, 'local/busybox-httpd:1'));
    const root = ((await docker.info()) as { DockerRootDir: string }).DockerRootDir;
    // the test engine runs on this machine: the measurement inside must match statfs of its data root
    const st = await fs.promises.statfs(root);
    expect(info.freeDiskBytes).toBeGreaterThan(0);
    expect(Math.abs((info.freeDiskBytes as number) - st.bavail * st.bsize)).toBeLessThan(512 * 1024 ** 2);
    if (/^(x86_64|amd64)$/.test(info.arch)) {
      const hostHasSse42 = /^flags\s*:.*\bsse4_2\b/m.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
      expect(info.sse42).toBe(hostHasSse42);
    }
    // the probe leaves nothing behind
    const left = await docker.listContainers({ all: true, filters: { ancestor: ['local/busybox-httpd:1'], label: ['app.engawa.role=helper'] } });
    expect(left).toEqual([]);
  });

  it('answers undefined (unknown, never a guess) when its image cannot be had', async () => {
    const { docker } = await connectEngine({ discovery: realDiscoveryEnv() });
    expect(await probeEngineVm(docker, 'local/no-such-probe-image:1', 10_000)).toBeUndefined();
  });
});

describe('endpoints that do not answer', () => {
  it('lists a missing DOCKER_HOST socket in the ENGINE_UNREACHABLE details', async () => {
    const socket = path.join(dir, 'missing.sock');
    const e = await rejection(connectEngine({ discovery: onlyHost(socket) }));
    expect(e.code).toBe('ENGINE_UNREACHABLE');
    expect(e.message).toMatch(/docker group/); // the Linux hint
    expect(e.details?.tried).toEqual([{ source: 'DOCKER_HOST', url: `unix://${socket}`, code: 'ENGINE_UNREACHABLE', error: expect.any(String) }]);
    expect(e.details?.hint).toBeTruthy();
  });

  it('reports a plain file in place of the socket clearly', async () => {
    const file = path.join(dir, 'plain.sock');
    fs.writeFileSync(file, 'not a socket');
    const e = await rejection(connectEngine({ discovery: onlyHost(file), timeoutMs: 2000 }));
    expect(e.code).toBe('ENGINE_UNREACHABLE');
    expect((e.details?.tried as { error: string }[])[0]?.error).toMatch(/not running|not answering/);
  });

  it('gives up on a server that accepts and never answers', async () => {
    const socket = path.join(dir, 'silent.sock');
    await listen(
      net.createServer(() => {}),
      socket,
    );
    const e = await rejection(connectEngine({ discovery: onlyHost(socket), timeoutMs: 300 }));
    expect(e.code).toBe('ENGINE_UNREACHABLE');
    expect((e.details?.tried as { error: string }[])[0]?.error).toMatch(/did not answer/);
  });

  it('says so when the program at the socket does not speak HTTP', async () => {
    const socket = path.join(dir, 'garbage.sock');
    await listen(
      net.createServer((c) => c.end('SSH-2.0-OpenSSH_9.2\r\n')),
      socket,
    );
    const e = await rejection(ping(dockerFor({ source: 't', url: `unix://${socket}`, socketPath: socket }), 2000));
    expect(e.code).toBe('ENGINE_UNREACHABLE');
    expect(e.message).toMatch(/not a Docker engine|not answering/);
  });

  it('says so when an HTTP server that is not Docker answers', async () => {
    const socket = path.join(dir, 'web.sock');
    await listen(
      http.createServer((_, res) => res.end('<html>hello</html>')),
      socket,
    );
    const e = await rejection(ping(dockerFor({ source: 't', url: `unix://${socket}`, socketPath: socket }), 2000));
    expect(e.code).toBe('ENGINE_UNREACHABLE');
    expect(e.message).toMatch(/not a Docker engine/);
  });

  it('talks to the endpoint it was given whatever DOCKER_HOST says', async () => {
    const real = process.env.DOCKER_HOST as string;
    const socketPath = real.replace(/^unix:\/\//, '');
    process.env.DOCKER_HOST = 'tcp://127.0.0.1:9'; // dockerode reads this in its constructor
    try {
      await ping(dockerFor({ source: 't', url: real, socketPath }), 2000);
    } finally {
      process.env.DOCKER_HOST = real;
    }
    const e = await rejection(ping(dockerFor({ source: 't', url: `unix://${dir}/none.sock`, socketPath: `${dir}/none.sock` }), 2000));
    expect(e.code).toBe('ENGINE_UNREACHABLE');
  });

  it('reports an address it cannot use without trying it', async () => {
    const env: DiscoveryEnv = { platform: 'linux', env: { DOCKER_HOST: 'ssh://me@192.0.2.1' }, home: dir, exists: () => false, readFile: () => undefined };
    const e = await rejection(connectEngine({ discovery: env }));
    expect((e.details?.tried as { error: string }[])[0]?.error).toMatch(/ssh:/);
  });
});

describe('engines that answer', () => {
  it('refuses an engine whose API is too old, naming its version', async () => {
    const socket = path.join(dir, 'old.sock');
    await listen(fakeEngine({ Version: '19.03.15', ApiVersion: '1.40', MinAPIVersion: '1.12', Os: 'linux', Arch: 'arm64' }), socket);
    const e = await rejection(connectEngine({ discovery: onlyHost(socket) }));
    expect(e.code).toBe('ENGINE_TOO_OLD');
    expect(e.message).toContain('19.03.15');
    expect(e.message).toMatch(/update Docker/);
  });

  it('recognises Podman and leaves unknowable facts undefined', async () => {
    const socket = path.join(dir, 'podman.sock');
    await listen(
      fakeEngine({ Version: '5.2.0', ApiVersion: '1.41', MinAPIVersion: '1.24', Components: [{ Name: 'Podman Engine', Version: '5.2.0' }] }),
      socket,
    );
    const { info } = await connectEngine({ discovery: onlyHost(socket) });
    expect(info).toMatchObject({ flavor: 'podman', version: '5.2.0', cpus: 4, arch: 'aarch64', source: 'DOCKER_HOST' });
    expect(info.freeDiskBytes).toBeUndefined();
    expect(info.sse42).toBeUndefined();
  });

  it('checks API versions numerically', () => {
    expect(() => checkApiVersion({ version: '20.10.24', apiVersion: '1.41' })).not.toThrow();
    expect(() => checkApiVersion({ version: '28.0.0', apiVersion: '1.48' })).not.toThrow();
    expect(() => checkApiVersion({ version: '19.03.15', apiVersion: '1.40' })).toThrow(/19\.03\.15/);
    expect(() => checkApiVersion({ version: '1.13.1', apiVersion: '1.26' })).toThrow(/too old/);
    expect(compareApiVersions('1.9', '1.41')).toBeLessThan(0);
    expect(compareApiVersions('2.0', '1.41')).toBeGreaterThan(0);
  });
});

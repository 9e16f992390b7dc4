/**
 * Host ports on 127.0.0.1, where every instance publishes its web port.
 *
 * New ports come from Engawa's own range, LOCAL_PORTS (28000–31999), below every OS's ephemeral
 * range (Linux 32768+, Windows and macOS 49152+): a port taken from the ephemeral range, as the OS
 * chooses for `listen(0)`, is kept forever, and on Windows that range overlaps the blocks Hyper-V,
 * WSL and WinNAT reserve (`netsh int ipv4 show excludedportrange protocol=tcp`), where listening
 * fails with EACCES. On Windows those reserved blocks are skipped too, and a port that became
 * reserved after it was chosen is reported as such, so `start` can move the instance off it.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { EngawaError } from '../util/errors';

/** The range new instance ports are chosen from (documented in the README). */
export const LOCAL_PORTS = { first: 28000, last: 31999 } as const;

/** An inclusive range of ports. */
export interface PortRange {
  start: number;
  end: number;
}

/** What this machine reserves, and how to listen (injectable for tests). */
export interface PortEnv {
  /** port ranges the OS keeps for itself (Windows: netsh's excluded ranges; elsewhere none) */
  excludedRanges(): Promise<PortRange[]>;
  /** resolves when 127.0.0.1:port can be listened on; rejects with the listen error */
  tryListen(port: number): Promise<void>;
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      const address = server.address();
      const chosen = typeof address === 'object' && address !== null ? address.port : port;
      server.close(() => resolve(chosen));
    });
  });
}

/** The ranges of `netsh int ipv4 show excludedportrange protocol=tcp` (pure). */
export function parseExcludedPortRanges(output: string): PortRange[] {
  const ranges: PortRange[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m = /^\s*(\d{1,5})\s+(\d{1,5})\s*\*?\s*$/.exec(line);
    if (!m) continue;
    const start = Number(m[1]);
    const end = Number(m[2]);
    if (start >= 1 && end <= 65535 && start <= end) ranges.push({ start, end });
  }
  return ranges;
}

/** This machine. On Windows, netsh is asked once per process (it takes a moment); elsewhere nothing is reserved. */
export function realPortEnv(platform: NodeJS.Platform = process.platform): PortEnv {
  let excluded: Promise<PortRange[]> | undefined;
  return {
    excludedRanges() {
      if (platform !== 'win32') return Promise.resolve([]);
      excluded ??= new Promise((resolve) => {
        execFile('netsh', ['int', 'ipv4', 'show', 'excludedportrange', 'protocol=tcp'], { windowsHide: true, timeout: 10_000 }, (e, stdout) =>
          resolve(e ? [] : parseExcludedPortRanges(String(stdout))),
        );
      });
      return excluded;
    },
    tryListen: async (port) => {
      await listenOnce(port);
    },
  };
}

let machine: PortEnv | undefined;
/** This machine's PortEnv, shared (netsh is asked once per process). */
export function machinePortEnv(): PortEnv {
  return (machine ??= realPortEnv());
}

/** A port on 127.0.0.1 that nothing listens on right now (the OS picks it, from its ephemeral range). */
export function findFreePort(): Promise<number> {
  return listenOnce(0);
}

const inRanges = (port: number, ranges: readonly PortRange[]): boolean => ranges.some((r) => port >= r.start && port <= r.end);

/** Whether 127.0.0.1:`port` can be used: free, held by another program, or reserved by the OS. */
export async function portUse(port: number, env: PortEnv = machinePortEnv()): Promise<'free' | 'in-use' | 'reserved'> {
  if (inRanges(port, await env.excludedRanges())) return 'reserved';
  try {
    await env.tryListen(port);
    return 'free';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') return 'in-use';
    if (code === 'EACCES') return 'reserved';
    throw e;
  }
}

/** Throws PORT_IN_USE when another program listens on 127.0.0.1:`port`, or the OS keeps it for itself. */
export async function assertPortFree(port: number, env: PortEnv = machinePortEnv()): Promise<void> {
  const use = await portUse(port, env);
  if (use === 'in-use') {
    throw new EngawaError('PORT_IN_USE', `127.0.0.1:${port} is already used by another program. Close it or choose another port.`, { port });
  }
  if (use === 'reserved') {
    throw new EngawaError(
      'PORT_IN_USE',
      `127.0.0.1:${port} is reserved by the system (on Windows: Hyper-V, WSL or Docker Desktop keep it); Engawa moves the server to another port when it starts.`,
      { port, reserved: true },
    );
  }
}

/** A distinct usable port on 127.0.0.1 for each of `names`, from LOCAL_PORTS, skipping reserved ranges. */
export async function freePorts(names: string[], env: PortEnv = machinePortEnv(), avoid: ReadonlySet<number> = new Set()): Promise<Record<string, number>> {
  const size = LOCAL_PORTS.last - LOCAL_PORTS.first + 1;
  const excluded = await env.excludedRanges();
  const used = new Set(avoid);
  const ports: Record<string, number> = {};
  // start at a random place, so two Engawa homes (or users) on one machine rarely collide
  let offset = Math.floor(Math.random() * size);
  for (const name of names) {
    let found: number | undefined;
    for (let tried = 0; tried < size && found === undefined; tried++, offset = (offset + 1) % size) {
      const port = LOCAL_PORTS.first + offset;
      if (used.has(port) || inRanges(port, excluded)) continue;
      if ((await portUse(port, { excludedRanges: async () => [], tryListen: env.tryListen })) === 'free') found = port;
    }
    if (found === undefined) {
      throw new EngawaError(
        'PORT_IN_USE',
        `No port from ${LOCAL_PORTS.first} to ${LOCAL_PORTS.last} on 127.0.0.1 is free; close programs that use them and try again.`,
        LOCAL_PORTS,
      );
    }
    used.add(found);
    ports[name] = found;
  }
  return ports;
}

/** The `wanted` ports (by name) where they are free on this computer, the others newly chosen (a restore on a new computer). */
export async function keepOrChoosePorts(wanted: Record<string, number>, env: PortEnv = machinePortEnv()): Promise<Record<string, number>> {
  const taken: string[] = [];
  for (const [key, port] of Object.entries(wanted)) {
    const use = await portUse(port, env).catch(() => 'unusable' as const);
    if (use !== 'free') taken.push(key);
  }
  return { ...wanted, ...(taken.length > 0 ? await freePorts(taken, env, new Set(Object.values(wanted))) : {}) };
}

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  assertPortFree,
  findFreePort,
  freePorts,
  LOCAL_PORTS,
  parseExcludedPortRanges,
  portUse,
  type PortEnv,
  type PortRange,
} from '../../../electron/core/instances/ports';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
    servers.push(server);
  });
}

describe('ports', () => {
  it('finds a port that can then be listened on', async () => {
    const port = await findFreePort();
    expect(port).toBeGreaterThan(0);
    await assertPortFree(port);
    await listen(port);
  });

  it('reports a port another program listens on as PORT_IN_USE', async () => {
    const port = await findFreePort();
    await listen(port);
    await expect(assertPortFree(port)).rejects.toMatchObject({
      code: 'PORT_IN_USE',
      message: `127.0.0.1:${port} is already used by another program. Close it or choose another port.`,
    });
  });
});

describe('choosing ports the Windows way', () => {
  // what `netsh int ipv4 show excludedportrange protocol=tcp` prints on a machine with Hyper-V
  const NETSH = [
    '',
    'Protocol tcp Port Exclusion Ranges',
    '',
    'Start Port    End Port',
    '----------    --------',
    '      5357        5357',
    '     28000       31990',
    '     50000       50059     *',
    '',
    '* - Administered port exclusions.',
    '',
  ].join('\r\n');

  /** A machine where `reserved` ranges are excluded, `busy` ports are held by others, and EACCES comes from `denied`. */
  const fakeEnv = (opts: { ranges?: PortRange[]; busy?: number[]; denied?: number[] } = {}): PortEnv & { tried: number[] } => {
    const tried: number[] = [];
    return {
      tried,
      excludedRanges: async () => opts.ranges ?? [],
      tryListen: async (port) => {
        tried.push(port);
        const code = opts.busy?.includes(port) ? 'EADDRINUSE' : opts.denied?.includes(port) ? 'EACCES' : undefined;
        if (code) throw Object.assign(new Error(`listen ${code}`), { code });
      },
    };
  };

  it('reads netsh excluded port ranges', () => {
    expect(parseExcludedPortRanges(NETSH)).toEqual([
      { start: 5357, end: 5357 },
      { start: 28000, end: 31990 },
      { start: 50000, end: 50059 },
    ]);
    expect(parseExcludedPortRanges('garbage\n70000 70001\n')).toEqual([]);
  });

  it('chooses from Engawa’s own range, below the ephemeral ones, skipping excluded ranges and taken ports', async () => {
    const env = fakeEnv({ ranges: parseExcludedPortRanges(NETSH), busy: [31991, 31993] });
    const ports = await freePorts(['http', 'admin', 'extra'], env);
    const chosen = Object.values(ports);
    expect(new Set(chosen).size).toBe(3);
    // the only usable ports of the range: above the exclusion, not held by another program
    for (const p of chosen) expect([31992, 31994, 31995, 31996, 31997, 31998, 31999]).toContain(p);
    for (const p of env.tried) expect(p < 28000 || p > 31990).toBe(true); // never even tried inside the excluded range
    const anywhere = await freePorts(['a', 'b'], fakeEnv());
    for (const p of Object.values(anywhere)) expect(p >= LOCAL_PORTS.first && p <= LOCAL_PORTS.last).toBe(true);
  });

  it('maps EACCES and excluded ranges to a reserved port, and says so in PORT_IN_USE', async () => {
    expect(await portUse(29000, fakeEnv({ denied: [29000] }))).toBe('reserved');
    expect(await portUse(5357, fakeEnv({ ranges: [{ start: 5357, end: 5357 }] }))).toBe('reserved');
    expect(await portUse(29001, fakeEnv({ busy: [29001] }))).toBe('in-use');
    expect(await portUse(29002, fakeEnv())).toBe('free');
    await expect(assertPortFree(29000, fakeEnv({ denied: [29000] }))).rejects.toMatchObject({
      code: 'PORT_IN_USE',
      details: { port: 29000, reserved: true },
      message: expect.stringContaining('reserved by the system'),
    });
  });

  it('fails clearly when the whole range is taken', async () => {
    await expect(freePorts(['http'], fakeEnv({ ranges: [{ start: LOCAL_PORTS.first, end: LOCAL_PORTS.last }] }))).rejects.toMatchObject({
      code: 'PORT_IN_USE',
    });
  });
});

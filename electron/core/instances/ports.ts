/** Host ports on 127.0.0.1, where every instance publishes its web port. */
import net from 'node:net';
import { EngawaError } from '../util/errors';

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

/** A port on 127.0.0.1 that nothing listens on right now (the OS picks it). */
export function findFreePort(): Promise<number> {
  return listenOnce(0);
}

/** Throws PORT_IN_USE when another program already listens on 127.0.0.1:`port`. */
export async function assertPortFree(port: number): Promise<void> {
  try {
    await listenOnce(port);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new EngawaError('PORT_IN_USE', `127.0.0.1:${port} is already used by another program. Close it or choose another port.`, { port }, { cause: e });
    }
    throw e;
  }
}

/** A distinct free port on 127.0.0.1 for each of `names`. */
export async function freePorts(names: string[]): Promise<Record<string, number>> {
  const ports: Record<string, number> = {};
  const used = new Set<number>();
  for (const name of names) {
    let port = await findFreePort();
    while (used.has(port)) port = await findFreePort();
    used.add(port);
    ports[name] = port;
  }
  return ports;
}

/** The `wanted` ports (by name) where they are free on this computer, the others newly chosen (a restore on a new computer). */
export async function keepOrChoosePorts(wanted: Record<string, number>): Promise<Record<string, number>> {
  const taken: string[] = [];
  for (const [key, port] of Object.entries(wanted)) {
    await assertPortFree(port).catch(() => taken.push(key));
  }
  return { ...wanted, ...(taken.length > 0 ? await freePorts(taken) : {}) };
}

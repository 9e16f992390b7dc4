import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { assertPortFree, findFreePort } from '../../../electron/core/instances/ports';

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

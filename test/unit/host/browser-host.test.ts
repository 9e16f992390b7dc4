/**
 * Browser mode composed (electron/core/host/browser-host.ts): the real core from an environment
 * (a fresh ENGAWA_HOME, no Docker engine: nothing here needs one) behind the host, answering
 * app.info as the browser shell, on the port and token it was given; stop() closes both.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBrowserHost } from '../../../electron/core/host/browser-host';
import { HOST_ADDRESS } from '../../../electron/core/host/server';

let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'engawa-browser-host-'));
  await mkdir(path.join(dir, 'renderer'), { recursive: true });
  await writeFile(path.join(dir, 'renderer', 'index.html'), '<!doctype html><title>Engawa</title>');
  env = { ENGAWA_HOME: path.join(dir, 'home'), DOCKER_HOST: `unix://${path.join(dir, 'no-docker.sock')}` };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** One call over the host's socket, as the page makes it. */
async function call(port: number, token: string, method: string): Promise<unknown> {
  const ws = new WebSocket(`ws://${HOST_ADDRESS}:${port}/api?token=${token}`, { headers: { Origin: `http://${HOST_ADDRESS}:${port}` } });
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const answer = new Promise<unknown>((resolve) => ws.once('message', (d: Buffer) => resolve(JSON.parse(d.toString()))));
    ws.send(JSON.stringify({ id: 1, method }));
    return await answer;
  } finally {
    ws.close();
  }
}

describe('startBrowserHost', () => {
  it('serves the real core as the browser shell with the token given, until stopped', async () => {
    const token = 'unit-test-token-0123456789';
    const { host, stop } = await startBrowserHost({
      env,
      rendererDir: path.join(dir, 'renderer'),
      version: '9.8.7',
      platform: 'linux',
      systemLanguages: ['ja-JP'],
      token,
    });
    try {
      expect(host.url).toBe(`http://${HOST_ADDRESS}:${host.port}/?token=${token}`);
      expect(await call(host.port, token, 'app.info')).toEqual({
        id: 1,
        result: { ok: true, value: { version: '9.8.7', platform: 'linux', shell: 'browser', systemLanguages: ['ja-JP'] } },
      });
    } finally {
      await stop();
    }
    await expect(call(host.port, token, 'app.info')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('fails with advice when the host cannot start', async () => {
    await expect(startBrowserHost({ env, rendererDir: path.join(dir, 'renderer'), version: '1.0.0', token: 'short' })).rejects.toThrow(
      'The host token must be at least 16 characters long.',
    );
  });
});

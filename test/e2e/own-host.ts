/**
 * A browser-mode host of a spec's own, started in the Playwright worker (not the shared one of
 * playwright.config.ts): the real core on the test engine (DOCKER_HOST) with its own home
 * (ENGAWA_HOME), image map (ENGAWA_IMAGES), a free port and a random token, serving the renderer
 * the shared host built (dist/renderer, built by `npm run serve` before any spec runs). What the
 * host logs is kept for the spec to attach when it fails. `api()` is a client of its API over
 * its WebSocket, as the page sees it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startBrowserHost } from '../../electron/core/host/browser-host';
import type { ApiEvents } from '../../electron/shared/contract';
import { createApi, type EngawaApi } from '../../renderer/src/api/client';
import { createWsTransport } from '../../renderer/src/api/ws-client';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const rendererDir = path.join(repoRoot, 'dist', 'renderer');

type OpEnd = ApiEvents['op.done'] | ApiEvents['op.failed'];

/** A connection to a host's API; `ended` answers how an operation ended (also when it ended before the call). */
export interface HostClient {
  api: EngawaApi;
  ended: (opId: string) => Promise<OpEnd>;
  close: () => void;
}

export interface OwnHost {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** the address a user would open (with the token) */
  url: string;
  home: string;
  /** everything the host logged */
  log: string[];
  api(): Promise<HostClient>;
  /** waits until no operation runs (a restore cannot be cancelled, and stopping the host does not end it) */
  idle(timeoutMs: number): Promise<void>;
  /** closes the host and its core (the servers keep running); again: nothing more */
  stop(): Promise<void>;
}

/** Starts a host on `home` with the image map `images`; resolves once it listens. */
export async function startOwnHost(home: string, images: Record<string, string>): Promise<OwnHost> {
  if (!existsSync(path.join(rendererDir, 'index.html'))) throw new Error('dist/renderer is missing: the shared host (npm run serve) builds it');
  const version = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const log: string[] = [];
  const { host, stop } = await startBrowserHost({
    env: { DOCKER_HOST: process.env.DOCKER_HOST, ENGAWA_HOME: home, ENGAWA_IMAGES: JSON.stringify(images) },
    rendererDir,
    version,
    token: randomBytes(16).toString('hex'),
    log: (line) => log.push(line),
  });
  const origin = `http://127.0.0.1:${host.port}`;
  let stopped: Promise<void> | undefined;
  return {
    origin,
    url: `${origin}/?token=${host.token}`,
    home,
    log,
    api: () => connect(origin, host.token),
    idle: async (timeoutMs) => {
      if (stopped !== undefined) return;
      const { api, close } = await connect(origin, host.token);
      try {
        for (const end = Date.now() + timeoutMs; (await api.call('ops.list')).length > 0;) {
          if (Date.now() > end) throw new Error('an operation is still running');
          await new Promise((r) => setTimeout(r, 500));
        }
      } finally {
        close();
      }
    },
    stop: () => (stopped ??= stop()),
  };
}

async function connect(origin: string, token: string): Promise<HostClient> {
  const transport = createWsTransport({
    url: `${origin.replace(/^http/, 'ws')}/api?token=${token}`,
    connect: (url) => new WebSocket(url, { origin }) as never,
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      transport.close();
      reject(new Error(`the host at ${origin} does not answer`));
    }, 10_000);
    const off = transport.onConnection((up) => {
      if (up) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
  const waiting = new Map<string, (e: OpEnd) => void>();
  const seen = new Map<string, OpEnd>();
  const onEnd = (e: OpEnd): void => {
    seen.set(e.opId, e);
    waiting.get(e.opId)?.(e);
  };
  transport.on('op.done', onEnd);
  transport.on('op.failed', onEnd);
  return {
    api: createApi(transport),
    close: () => transport.close(),
    ended: (opId) => new Promise((resolve) => (seen.has(opId) ? resolve(seen.get(opId)!) : waiting.set(opId, resolve))),
  };
}

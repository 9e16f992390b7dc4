/**
 * The browser-mode host the end-to-end tests run against (started by playwright.config.ts), and
 * a client of its API for what the tests do behind the page's back (clean-up). Besides the test
 * recipe, the host gets a copy of it with two releases (RELEASES_STACK, written when this module
 * loads, before the host starts): the update spec creates a server on the older one.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROBE_IMAGE } from '../../electron/core/engine/vm-probe';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { CLOUDFLARED_IMAGE } from '../../electron/core/tunnel/connector';
import { mastodonRecipe } from '../../electron/core/stacks/mastodon/recipe';
import type { ApiEvents, CreateInstanceInput } from '../../electron/shared/contract';
import { createApi, type EngawaApi } from '../../renderer/src/api/client';
import { createWsTransport } from '../../renderer/src/api/ws-client';
import { STANDIN } from '../stubs/cloudflare/standin';

export const E2E_PORT = Number(process.env.E2E_PORT ?? 4319);
/** The host's fixed token (tests only; `npm run serve` makes a random one otherwise). */
export const E2E_TOKEN = 'e2e-token-5f1c2a9b7d3e4f60';
/** The address a user would open. */
export const E2E_URL = `/?token=${E2E_TOKEN}`;
/** The test recipe, relative to the repository root. */
const TEST_WEB_FILE = 'test/fixtures/recipes/test-web.json';

/**
 * The copy of the test recipe with releases: 1.1.0 (a security release, from 1.0.0) and 1.0.0, whose web service
 * differs. Its name does not contain "Test web stack": the tunnel spec picks the test recipe's card by that text.
 */
export const RELEASES_STACK = {
  id: 'test-web-releases',
  name: 'Release test stack',
  old: '1.0.0',
  new: '1.1.0',
  notesUrl: 'https://example.com/notes',
};

/** Writes the releases recipe into a folder of the temp dir (only when it changed: the host may be reading it) and answers its path. */
function writeReleasesRecipe(): string {
  const base = JSON.parse(readFileSync(fileURLToPath(new URL(`../../${TEST_WEB_FILE}`, import.meta.url)), 'utf8')) as {
    services: { name: string; env?: Record<string, string> }[];
  };
  const recipe = {
    ...base,
    id: RELEASES_STACK.id,
    name: RELEASES_STACK.name,
    version: RELEASES_STACK.new,
    services: base.services.map((s) => (s.name === 'web' ? { ...s, env: { ...s.env, TEST_RELEASE: RELEASES_STACK.new } } : s)),
    releases: [
      { version: RELEASES_STACK.new, security: true, notesUrl: RELEASES_STACK.notesUrl, from: [RELEASES_STACK.old] },
      { version: RELEASES_STACK.old, services: { web: { env: { TEST_RELEASE: RELEASES_STACK.old } } } },
    ],
  };
  const dir = path.join(os.tmpdir(), `engawa-e2e-recipes-${os.userInfo().uid}`);
  const file = path.join(dir, `${RELEASES_STACK.id}.json`);
  const text = `${JSON.stringify(recipe, null, 2)}\n`;
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = '';
  }
  if (current !== text) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  }
  return file;
}

/**
 * The recipe files the host is given (ENGAWA_RECIPES, separated like PATH): the test recipe, relative
 * to the repository root (playwright.config.ts joins the root in front), then the releases copy (absolute).
 */
export const TEST_RECIPE_FILE = [TEST_WEB_FILE, writeReleasesRecipe()].join(path.delimiter);
/** The test recipe's images, mapped to the local test images (as test/integration/helpers.ts). */
export const E2E_IMAGES: Record<string, string> = {
  'docker.io/library/postgres:15': 'local/postgres:15',
  'docker.io/library/redis:7': 'local/redis:7',
  'docker.io/library/busybox:1': 'local/busybox-httpd:1',
  [PROBE_IMAGE]: 'local/busybox-httpd:1',
  [CLOUDFLARED_IMAGE]: STANDIN,
  // Mastodon on its stand-in (scripts/test-images/standin) with the real local stores: the clean-up spec
  ...Object.fromEntries(
    mastodonRecipe.services.map((s) => [
      s.image,
      /^postgres:/.test(s.image) ? 'local/postgres:15' : /^redis:/.test(s.image) ? 'local/redis:7' : 'local/standin-mastodon:1',
    ]),
  ),
};
/** Where the tunnel spec runs the fake Cloudflare API and the loopback edge (fixed: the host is told at start). */
export const E2E_CLOUDFLARE_PORT = E2E_PORT + 1;
export const E2E_EDGE_PORT = E2E_PORT + 2;
/** The host's ENGAWA_CLOUDFLARE_API_URL and ENGAWA_TUNNEL_EDGE_URL. */
export const E2E_CLOUDFLARE_API_URL = `http://127.0.0.1:${E2E_CLOUDFLARE_PORT}/client/v4`;
export const E2E_EDGE_URL = `http://127.0.0.1:${E2E_EDGE_PORT}`;
/** Where the tunnel spec runs the Cloudflare-like front of the outside-in check (the host's ENGAWA_CHECK_FRONT_URL; it forwards to the edge). */
export const E2E_FRONT_PORT = E2E_PORT + 3;
export const E2E_CHECK_FRONT_URL = `http://127.0.0.1:${E2E_FRONT_PORT}`;
/** Everything the host printed (stdout and stderr), for specs that scan it; git-ignored. */
export const E2E_HOST_LOG = fileURLToPath(new URL('../../test-results/e2e-host.log', import.meta.url));

/** The host's API over its WebSocket, as the page sees it; `close` ends the connection. */
export async function hostApi(): Promise<{
  api: EngawaApi;
  close: () => void;
  ended: (opId: string) => Promise<ApiEvents['op.done'] | ApiEvents['op.failed']>;
}> {
  const origin = `http://127.0.0.1:${E2E_PORT}`;
  const transport = createWsTransport({
    url: `ws://127.0.0.1:${E2E_PORT}/api?token=${E2E_TOKEN}`,
    connect: (url) => new WebSocket(url, { origin }) as never,
  });
  await new Promise<void>((resolve) => {
    const off = transport.onConnection((up) => {
      if (up) {
        off();
        resolve();
      }
    });
  });
  const ends = new Map<string, (e: ApiEvents['op.done'] | ApiEvents['op.failed']) => void>();
  const seen = new Map<string, ApiEvents['op.done'] | ApiEvents['op.failed']>();
  const onEnd = (e: ApiEvents['op.done'] | ApiEvents['op.failed']) => {
    seen.set(e.opId, e);
    ends.get(e.opId)?.(e);
  };
  transport.on('op.done', onEnd);
  transport.on('op.failed', onEnd);
  return {
    api: createApi(transport),
    close: () => transport.close(),
    ended: (opId) => new Promise((resolve) => (seen.has(opId) ? resolve(seen.get(opId)!) : ends.set(opId, resolve))),
  };
}

/** Creates a server through the host's API, the page following the browser's language; throws when creation fails. */
export async function createServer(input: CreateInstanceInput): Promise<void> {
  const { api, ended, close } = await hostApi();
  try {
    await api.call('settings.set', { language: null });
    const end = await ended((await api.call('instances.create', input)).opId);
    if ('error' in end) throw new Error(`creating ${input.name} failed: ${end.error.message}`);
  } finally {
    close();
  }
}

/** Destroys server `name` through the host's API if it exists; throws when destroying fails. */
export async function destroyServer(name: string): Promise<void> {
  const { api, ended, close } = await hostApi();
  try {
    if (!(await api.call('instances.list')).some((i) => i.name === name)) return;
    const end = await ended((await api.call('instances.destroy', { name })).opId);
    if ('error' in end) throw new Error(`deleting ${name} failed: ${end.error.message}`);
  } finally {
    close();
  }
}

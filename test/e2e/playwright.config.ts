/**
 * End-to-end tests of the renderer in the system Chromium (Playwright cannot download its own
 * browsers here), against `npm run serve` (scripts/serve.ts): the real core on the test engine
 * (DOCKER_HOST), with a fresh ENGAWA_HOME, the test recipe (ENGAWA_RECIPES) and the local test
 * images (ENGAWA_IMAGES), on a fixed port and token (ENGAWA_SERVE_PORT, ENGAWA_SERVE_TOKEN).
 * `serve` builds the renderer when it is older than its sources.
 * Cloudflare is the tunnel spec's fake API and loopback edge on fixed ports (host.ts), cloudflared
 * its stand-in image, and the outside-in check's https:// requests go to a Cloudflare-like front
 * in front of that edge (ENGAWA_CHECK_FRONT_URL, started by the tunnel spec); the host's output is also written to E2E_HOST_LOG for specs to scan.
 * Env: CHROMIUM_PATH (default /usr/bin/chromium), E2E_PORT (default 4319), DOCKER_HOST.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';
import { E2E_CHECK_FRONT_URL, E2E_CLOUDFLARE_API_URL, E2E_EDGE_URL, E2E_HOST_LOG, E2E_IMAGES, E2E_PORT, E2E_TOKEN, TEST_RECIPE_FILE } from './host';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
// made once in the main process; workers inherit it through the environment
process.env.ENGAWA_E2E_HOME ??= mkdtempSync(path.join(os.tmpdir(), 'engawa-e2e-'));
mkdirSync(path.dirname(E2E_HOST_LOG), { recursive: true });

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  testIgnore: 'electron/**', // the Electron smoke test runs on release CI (test/e2e/electron/playwright.config.ts)
  outputDir: '../../test-results/e2e',
  globalTeardown: './global-teardown.ts',
  // The wizard, tunnel and restore-file specs start from a host with no server and set the shared
  // language, so they run one at a time, after the specs that make servers behind their backs.
  projects: [
    { name: 'app', testIgnore: ['electron/**', 'wizard.spec.ts', 'tunnel.spec.ts', 'restore-file.spec.ts'] },
    { name: 'wizard', testMatch: 'wizard.spec.ts', dependencies: ['app'] },
    { name: 'tunnel', testMatch: 'tunnel.spec.ts', dependencies: ['wizard'] },
    { name: 'restore-file', testMatch: 'restore-file.spec.ts', dependencies: ['tunnel'] },
  ],
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  workers: 2,
  reporter: 'list',
  timeout: 30_000,
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    browserName: 'chromium',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    // scripts/serve.ts: the launcher of browser mode (electron/core/host/browser-host.ts)
    command: `npm run serve 2>&1 | tee '${E2E_HOST_LOG}'`,
    cwd: repoRoot,
    env: {
      ENGAWA_HOME: process.env.ENGAWA_E2E_HOME,
      ENGAWA_RECIPES: path.join(repoRoot, TEST_RECIPE_FILE),
      ENGAWA_IMAGES: JSON.stringify(E2E_IMAGES),
      ENGAWA_SERVE_PORT: String(E2E_PORT),
      ENGAWA_SERVE_TOKEN: E2E_TOKEN,
      ENGAWA_CLOUDFLARE_API_URL: E2E_CLOUDFLARE_API_URL,
      ENGAWA_TUNNEL_EDGE_URL: E2E_EDGE_URL,
      ENGAWA_CHECK_FRONT_URL: E2E_CHECK_FRONT_URL,
    },
    url: `http://127.0.0.1:${E2E_PORT}/`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});

/**
 * End-to-end tests of the renderer in the system Chromium (Playwright cannot download its own
 * browsers here). The web server builds the renderer and serves the build with `vite preview`,
 * so `npm run test:e2e` needs nothing built beforehand.
 * Env: CHROMIUM_PATH (default /usr/bin/chromium), E2E_PORT (default 4319).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 4319);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const viteConfig = 'renderer/vite.config.ts';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  testIgnore: 'electron/**', // the Electron smoke test runs on release CI (test/e2e/electron/playwright.config.ts)
  outputDir: '../../test-results/e2e',
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  workers: 2,
  reporter: 'list',
  timeout: 30_000,
  use: {
    baseURL: `http://127.0.0.1:${port}`,
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
    command: `npx vite build --config ${viteConfig} --logLevel warn && npx vite preview --config ${viteConfig} --port ${port}`,
    cwd: repoRoot,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});

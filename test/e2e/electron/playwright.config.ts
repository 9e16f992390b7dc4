/**
 * The Electron smoke test (release CI only: it needs the Electron binary, which this machine
 * does not have). Run after `npm run build`:
 *   npx playwright test --config test/e2e/electron/playwright.config.ts
 * (Linux: inside xvfb-run). ENGAWA_APP_EXECUTABLE names a packaged app to test instead (driven
 * over CDP: its fuses switch off the inspector Playwright's launcher needs; see smoke.spec.ts).
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../../../test-results/e2e-electron',
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  workers: 1,
  reporter: 'list',
  timeout: 60_000,
  use: { trace: 'retain-on-failure' },
});

/**
 * The Playwright `test` used by every spec: `problems` collects console errors, uncaught page
 * errors, failed requests and HTTP errors so a spec can assert there were none. Pages come from
 * the browser-mode host, which sends the app's CSP with every answer, as Electron's `app://`
 * handler does (requests are not rerouted through Playwright: a fulfilled page would lose its
 * loopback address, and Chromium's local-network checks would then block the API's WebSocket).
 */
import { test as base, expect } from '@playwright/test';

export const test = base.extend<{ problems: string[] }>({
  problems: [
    async ({ page }, use) => {
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
      page.on('response', (r) => {
        if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
      });
      await use(problems);
    },
    { auto: true },
  ],
});

export { expect };

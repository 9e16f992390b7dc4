/**
 * The Playwright `test` used by every spec: each response gets the app's real CSP header (as the
 * Electron `app://` handler sends it), and `problems` collects console errors, uncaught page
 * errors and failed requests so a spec can assert there were none.
 */
import { test as base, expect } from '@playwright/test';
import { CONTENT_SECURITY_POLICY } from '../../electron/shared/csp';

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
    await page.route('**/*', async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': CONTENT_SECURITY_POLICY } });
    });
    await use(problems);
    },
    { auto: true }, // every page gets the CSP, even in specs that do not look at problems
  ],
});

export { expect };

/**
 * The Playwright `test` used by every spec: `problems` collects console errors, uncaught page
 * errors, failed requests and HTTP errors so a spec can assert there were none. Pages come from
 * the browser-mode host, which sends the app's CSP with every answer, as Electron's `app://`
 * handler does (requests are not rerouted through Playwright: a fulfilled page would lose its
 * loopback address, and Chromium's local-network checks would then block the API's WebSocket).
 */
import { test as base, expect, type Page } from '@playwright/test';

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

/** Opens the server `name` from the list of servers on the dashboard. */
export async function openServer(page: Page, name: string): Promise<void> {
  await page
    .locator('.dashboard')
    .getByRole('button', { name: new RegExp(name) })
    .click();
}

/** The languages every spec of the app's screens runs in, with the browser's locale for each. */
export const LANGUAGES = [
  ['en-US', 'en'],
  ['ja-JP', 'ja'],
] as const;

/** Registers `body`'s tests once per language, each in a describe block ("in English", "in Japanese") with the browser's locale set. */
export function inEachLanguage(body: (lang: (typeof LANGUAGES)[number][1]) => void): void {
  for (const [locale, lang] of LANGUAGES) {
    test.describe(`in ${lang === 'en' ? 'English' : 'Japanese'}`, () => {
      test.use({ locale });
      body(lang);
    });
  }
}

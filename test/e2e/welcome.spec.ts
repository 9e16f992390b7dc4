/**
 * The first screen (the wizard's welcome and language step): both languages, the switcher and
 * its memory (in the app's settings), the version footer, the CSP; the Docker step when Docker is
 * missing (where to get it, a live wait). Uses a fake bridge, so it never shares state with the
 * real host the wizard spec drives; one check uses the real host without its token.
 */
import type { Page } from '@playwright/test';
import { CONTENT_SECURITY_POLICY } from '../../electron/shared/csp';
import { bridgeCalls, installFakeBridge } from './fake-bridge';
import { expect, test } from './fixtures';
import { screen } from './screens';

const EN = { heading: 'Welcome to Engawa', body: /runs your own Mastodon, Misskey or Bluesky PDS server/ };
const JA = { heading: 'Engawa へようこそ', body: /サーバーの知識は必要ありません/ };

async function expectLanguage(page: Page, lang: 'en' | 'ja'): Promise<void> {
  const text = lang === 'en' ? EN : JA;
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(text.heading);
  await expect(page.locator('main p.lead')).toHaveText(text.body);
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
  await expect(page.locator('.top-bar').getByRole('button', { name: lang === 'en' ? 'English' : '日本語' })).toHaveAttribute('aria-pressed', 'true');
}

test.describe('with an English system language', () => {
  test.use({ locale: 'en-US' });

  test('opens in English with the page title Engawa', async ({ page, problems }) => {
    await installFakeBridge(page);
    await page.goto('/');
    await expect(page).toHaveTitle('Engawa');
    await expectLanguage(page, 'en');
    expect(problems).toEqual([]);
  });

  test('switches to Japanese and back, saving the choice in the settings across reloads', async ({ page, problems }) => {
    await installFakeBridge(page);
    await page.goto('/');
    await expectLanguage(page, 'en');

    await page.locator('.top-bar').getByRole('button', { name: '日本語' }).click();
    await expectLanguage(page, 'ja');
    expect((await bridgeCalls(page)).filter((c) => c.method === 'settings.set')).toEqual([{ method: 'settings.set', input: { language: 'ja' } }]);
    expect(await page.evaluate(() => ({ ...localStorage }))).toEqual({}); // the settings are the one place
    await page.reload();
    await expectLanguage(page, 'ja');

    await page.locator('.choice-row').getByRole('button', { name: 'English' }).click();
    await expectLanguage(page, 'en');
    await page.reload();
    await expectLanguage(page, 'en');
    expect(problems).toEqual([]);
  });

  test('shows the version the bridge reports, in the current language', async ({ page, problems }) => {
    await installFakeBridge(page);
    await page.goto('/');
    await expect(page.locator('footer')).toHaveText('Version 9.8.7 (testos)');
    await page.locator('.top-bar').getByRole('button', { name: '日本語' }).click();
    await expect(page.locator('footer')).toHaveText('バージョン 9.8.7（testos）');
    expect(problems).toEqual([]);
  });

  test('runs under the CSP, which refuses inline scripts', async ({ page, problems }) => {
    await installFakeBridge(page);
    const response = await page.goto('/');
    expect(response?.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    await expectLanguage(page, 'en');
    const ran = await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = true';
      document.body.append(script);
      return (window as Window & { __inlineRan?: boolean }).__inlineRan === true;
    });
    expect(ran).toBe(false);
    await expect.poll(() => problems).toEqual([expect.stringContaining('Content Security Policy')]);
  });

  test('without Docker: says where to get it, waits, and goes on by itself when it answers', async ({ page, problems }) => {
    await installFakeBridge(page, { docker: 'down', platform: 'darwin' });
    await page.goto('/');
    await page.getByRole('button', { name: 'Get started' }).click();
    await expect(page.getByText('Docker is not answering')).toBeVisible();
    const link = page.getByRole('link', { name: 'Open Docker’s install guide' });
    await expect(link).toHaveAttribute('href', /^https:\/\/docs\.docker\.com\/desktop\/.*mac/);
    await expect(link).toHaveAttribute('target', '_blank');
    await expect(page.getByText(/Waiting for Docker/)).toBeVisible();
    await expect(page.getByRole('button', { name: 'Next' })).toBeDisabled();
    await screen(page, '00-docker-missing');
    await page.evaluate(() => (window as unknown as { __dockerUp: () => void }).__dockerUp());
    await expect(page.getByText(/Docker 27\.0\.0 is running/)).toBeVisible({ timeout: 10_000 }); // no click: the live wait saw it
    await expect(page.getByRole('button', { name: 'Next' })).toBeEnabled();
    expect(problems).toEqual([]);
  });

  test('opened without the token from "npm run serve": says how to open it', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Engawa cannot be reached' })).toBeVisible();
    await expect(page.getByText('Open Engawa with the address that “npm run serve” printed.')).toBeVisible();
  });
});

test.describe('with a Japanese system language', () => {
  test.use({ locale: 'ja-JP' });

  test('opens in Japanese', async ({ page, problems }) => {
    await installFakeBridge(page);
    await page.goto('/');
    await expectLanguage(page, 'ja');
    expect(problems).toEqual([]);
  });

  test('a language saved in the settings wins over the system language', async ({ page, problems }) => {
    await installFakeBridge(page);
    await page.addInitScript(() =>
      sessionStorage.setItem('fake.settings', JSON.stringify({ language: 'en', launchAtLogin: false, notifications: true, allowPlainTextSecrets: false })),
    );
    await page.goto('/');
    await expectLanguage(page, 'en');
    expect(problems).toEqual([]);
  });
});

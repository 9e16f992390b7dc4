/** The welcome page: both languages, the switcher and its memory, the bridge footer, the CSP. */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const EN = { heading: 'Welcome to Engawa', body: /runs your own Mastodon, Misskey or Bluesky PDS server/ };
const JA = { heading: 'Engawa へようこそ', body: /サーバーの知識は必要ありません/ };

async function expectLanguage(page: Page, lang: 'en' | 'ja'): Promise<void> {
  const text = lang === 'en' ? EN : JA;
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(text.heading);
  await expect(page.locator('main p.lead')).toHaveText(text.body);
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
  await expect(page.getByRole('button', { name: lang === 'en' ? 'English' : '日本語' })).toHaveAttribute('aria-pressed', 'true');
}

test.describe('with an English system language', () => {
  test.use({ locale: 'en-US' });

  test('opens in English with the page title Engawa', async ({ page, problems }) => {
    await page.goto('/');
    await expect(page).toHaveTitle('Engawa');
    await expectLanguage(page, 'en');
    expect(problems).toEqual([]);
  });

  test('switches to Japanese and back, and remembers the choice across reloads', async ({ page, problems }) => {
    await page.goto('/');
    await expectLanguage(page, 'en');

    await page.getByRole('button', { name: '日本語' }).click();
    await expectLanguage(page, 'ja');
    expect(await page.evaluate(() => ({ ...localStorage }))).toEqual({ 'engawa.language': 'ja' });
    await page.reload();
    await expectLanguage(page, 'ja');

    await page.getByRole('button', { name: 'English' }).click();
    await expectLanguage(page, 'en');
    await page.reload();
    await expectLanguage(page, 'en');
    expect(problems).toEqual([]);
  });

  test('shows no version footer outside Electron', async ({ page, problems }) => {
    await page.goto('/');
    await expectLanguage(page, 'en');
    await expect(page.locator('footer')).toHaveCount(0);
    expect(problems).toEqual([]);
  });

  test('shows the version the bridge reports', async ({ page, problems }) => {
    await page.addInitScript(() => {
      Object.defineProperty(window, 'engawa', {
        value: Object.freeze({ invoke: async () => ({ ok: true, value: { version: '9.8.7', platform: 'testos' } }), on: () => () => {} }),
      });
    });
    await page.goto('/');
    await expect(page.locator('footer')).toHaveText('Version 9.8.7 (testos)');
    await page.getByRole('button', { name: '日本語' }).click();
    await expect(page.locator('footer')).toHaveText('バージョン 9.8.7（testos）');
    expect(problems).toEqual([]);
  });

  test('runs under the CSP, which refuses inline scripts', async ({ page, problems }) => {
    const response = await page.goto('/');
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
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
});

test.describe('with a Japanese system language', () => {
  test.use({ locale: 'ja-JP' });

  test('opens in Japanese', async ({ page, problems }) => {
    await page.goto('/');
    await expectLanguage(page, 'ja');
    expect(problems).toEqual([]);
  });

  test('a remembered choice wins over the system language', async ({ page, problems }) => {
    await page.addInitScript(() => localStorage.setItem('engawa.language', 'en'));
    await page.goto('/');
    await expectLanguage(page, 'en');
    expect(problems).toEqual([]);
  });
});

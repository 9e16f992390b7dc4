/**
 * Smoke test of the real Electron app (release CI on Windows, macOS and Linux): it starts with a
 * fresh home, opens one window on app://, the page gets `window.engawa` (invoke and on, nothing
 * else: no Node), the API answers, a sub-resource outside the app is refused, and it quits.
 * @see https://playwright.dev/docs/api/class-electron
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, expect, test } from '@playwright/test';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

test('starts, shows the app on app:// with only window.engawa, answers the API, and quits', async () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'engawa-smoke-'));
  const executable = process.env.ENGAWA_APP_EXECUTABLE;
  const app = await electron.launch({
    ...(executable ? { executablePath: executable, args: [] } : { args: [repoRoot] }),
    env: { ...process.env, ENGAWA_HOME: home, ELECTRON_ENABLE_LOGGING: '1' },
  });
  try {
    const page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    expect(page.url()).toBe('app://engawa/index.html');
    await expect(page.locator('h1')).toBeVisible();

    const surface = await page.evaluate(() => ({
      bridge: Object.keys((window as unknown as { engawa: object }).engawa).sort(),
      require: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process,
    }));
    expect(surface).toEqual({ bridge: ['invoke', 'on'], require: 'undefined', process: 'undefined' });

    const info = await page.evaluate(() => (window as unknown as { engawa: { invoke(m: string): Promise<unknown> } }).engawa.invoke('app.info'));
    expect(info).toMatchObject({ ok: true, value: { shell: 'electron' } });
    const settings = await page.evaluate(() => (window as unknown as { engawa: { invoke(m: string): Promise<unknown> } }).engawa.invoke('settings.get'));
    expect(settings).toMatchObject({ ok: true, value: { notifications: true } });

    // the CSP allows no network beyond the app itself
    const blocked = await page.evaluate(() =>
      fetch('https://example.com/').then(
        () => false,
        () => true,
      ),
    );
    expect(blocked).toBe(true);

    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
  } finally {
    await app.close();
    rmSync(home, { recursive: true, force: true });
  }
});

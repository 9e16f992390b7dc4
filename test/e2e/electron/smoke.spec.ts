/**
 * Smoke test of the real Electron app (release CI on Windows, macOS and Linux): it starts with a
 * fresh home, opens one window on app://, the page gets `window.engawa` (invoke and on, nothing
 * else: no Node), the API answers, a sub-resource outside the app is refused, the tray menu is
 * there, and it quits.
 *
 * Two ways to drive it:
 * - development build (`npm run build`, then this with no ENGAWA_APP_EXECUTABLE): Playwright's
 *   Electron launcher;
 * - the PACKAGED app (ENGAWA_APP_EXECUTABLE = the unpacked executable electron-builder made): its
 *   fuses switch off Node's inspector, which Playwright's launcher needs, so the test starts the
 *   executable itself with Chromium's remote debugging and connects over CDP. What only the main
 *   process knows (the tray menu) comes from ENGAWA_SMOKE_REPORT; it quits through `--quit`.
 * @see https://playwright.dev/docs/api/class-electron
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, chromium, expect, test, type Page } from '@playwright/test';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const executable = process.env.ENGAWA_APP_EXECUTABLE;

type Invoke = { engawa: { invoke(m: string): Promise<unknown> } };

/** Everything the page must show and refuse, the same for both ways. */
async function checkWindow(page: Page): Promise<void> {
  await page.waitForLoadState('domcontentloaded');
  expect(page.url()).toBe('app://engawa/index.html');
  await expect(page.locator('h1')).toBeVisible();

  const surface = await page.evaluate(() => ({
    bridge: Object.keys((window as unknown as { engawa: object }).engawa).sort(),
    require: typeof (window as unknown as { require?: unknown }).require,
    process: typeof (window as unknown as { process?: unknown }).process,
  }));
  expect(surface).toEqual({ bridge: ['invoke', 'on'], require: 'undefined', process: 'undefined' });

  const info = await page.evaluate(() => (window as unknown as Invoke).engawa.invoke('app.info'));
  expect(info).toMatchObject({ ok: true, value: { shell: 'electron' } });
  const settings = await page.evaluate(() => (window as unknown as Invoke).engawa.invoke('settings.get'));
  expect(settings).toMatchObject({ ok: true, value: { notifications: true } });

  // the CSP allows no network beyond the app itself
  const blocked = await page.evaluate(() =>
    fetch('https://example.com/').then(
      () => false,
      () => true,
    ),
  );
  expect(blocked).toBe(true);
}

/** The tray menu as the main process wrote it (ENGAWA_SMOKE_REPORT), once it is there. */
async function trayMenu(report: string): Promise<string[]> {
  let menu: string[] = [];
  await expect
    .poll(() => {
      try {
        menu = (JSON.parse(readFileSync(report, 'utf8')) as { trayMenu: string[] }).trayMenu;
      } catch {
        return false;
      }
      return true;
    })
    .toBe(true);
  return menu;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

test('starts, shows the app on app:// with only window.engawa, answers the API, has its tray menu, and quits', async () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'engawa-smoke-'));
  const report = path.join(home, 'smoke-report.json');
  const env = { ...process.env, ENGAWA_HOME: home, ENGAWA_SMOKE_REPORT: report, ELECTRON_ENABLE_LOGGING: '1' };
  try {
    if (executable === undefined) {
      const app = await electron.launch({ args: [repoRoot], env });
      try {
        await checkWindow(await app.firstWindow());
        expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
        expect(await trayMenu(report)).toEqual(expect.arrayContaining(['Open Engawa', 'Quit Engawa']));
      } finally {
        await app.close();
      }
      return;
    }

    const port = await freePort();
    // Linux runners cannot give the unpacked app's chrome-sandbox its setuid bit: run that one without
    const sandbox = process.platform === 'linux' ? ['--no-sandbox'] : [];
    const child = spawn(executable, [`--remote-debugging-port=${port}`, ...sandbox], { env, stdio: 'inherit' });
    try {
      await expect
        .poll(
          () =>
            fetch(`http://127.0.0.1:${port}/json/version`).then(
              (r) => r.ok,
              () => false,
            ),
          { timeout: 30_000 },
        )
        .toBe(true);
      const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
      const pages = (): Page[] => browser.contexts().flatMap((c) => c.pages());
      await expect.poll(() => pages().length, { timeout: 30_000 }).toBe(1);
      await checkWindow(pages()[0]!);
      const menu = await trayMenu(report);
      expect(menu).toEqual(expect.arrayContaining(['Open Engawa', 'Quit Engawa']));
      expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({ packaged: true });
      // quit the way a user's script would: a second launch with --quit
      const quitter = spawn(executable, ['--quit', ...sandbox], { env, stdio: 'inherit' });
      expect(await exited(child)).toBe(0);
      await exited(quitter);
      await browser.close().catch(() => undefined);
    } finally {
      if (child.exitCode === null) child.kill();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

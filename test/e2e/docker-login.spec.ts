/**
 * The dashboard after a reboot, with the fake bridge: Docker Desktop's "start when you sign in"
 * off is said, and turned on only when the button is pressed; on Windows the plain note that the
 * server is offline after a restart until someone signs in, which can be put away. And the page
 * tells the core when the network comes back (`online` → one `system.networkChanged`).
 */
import { bridgeCalls, installFakeBridge } from './fake-bridge';
import { expect, test } from './fixtures';

test.use({ locale: 'en-US' });

test('Docker Desktop’s setting off: the warning, and the setting turned on only when pressed (en)', async ({ page, problems }) => {
  await installFakeBridge(page, { instances: ['home'], platform: 'darwin', dockerAutostart: { enabled: false, file: '/x/settings-store.json' } });
  await page.goto('/');
  const notice = page.getByTestId('docker-autostart-notice');
  await expect(notice).toContainText('Docker does not start when you sign in');
  await expect(notice).toContainText('after a restart your servers stay offline until someone starts Docker');
  expect((await bridgeCalls(page)).filter((c) => c.method === 'system.setDockerAutostart')).toEqual([]);
  await notice.getByRole('button', { name: 'Turn it on' }).click();
  await expect(notice).toHaveCount(0);
  await expect(page.getByTestId('docker-autostart-done')).toContainText('Docker Desktop will start when you sign in');
  expect((await bridgeCalls(page)).filter((c) => c.method === 'system.setDockerAutostart')).toEqual([
    { method: 'system.setDockerAutostart', input: { enabled: true } },
  ]);
  await expect(page.getByTestId('windows-reboot-notice')).toHaveCount(0); // not Windows
  expect(problems).toEqual([]);
});

test('Docker Desktop’s setting on, or no Docker Desktop: nothing said', async ({ page, problems }) => {
  await installFakeBridge(page, { instances: ['home'], platform: 'darwin', dockerAutostart: { enabled: true, file: '/x/settings-store.json' } });
  await page.goto('/');
  await expect(page.locator('.instance-header').getByRole('heading', { name: 'home' })).toBeVisible();
  await expect.poll(async () => (await bridgeCalls(page)).some((c) => c.method === 'system.dockerAutostart')).toBe(true);
  await expect(page.getByTestId('docker-autostart-notice')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test.describe('in Japanese', () => {
  test.use({ locale: 'ja-JP' });
  test('on Windows: the note about restarts, put away for good; the setting off in Japanese', async ({ page, problems }) => {
    await installFakeBridge(page, { instances: ['home'], platform: 'win32', dockerAutostart: { enabled: false, file: 'C:\\x\\settings-store.json' } });
    await page.goto('/');
    await expect(page.getByTestId('docker-autostart-notice')).toContainText('サインインしても Docker が起動しません');
    const note = page.getByTestId('windows-reboot-notice');
    await expect(note).toContainText('Windows の再起動後は、誰かがサインインするまでサーバーはオフラインです');
    await expect(note).toContainText('アクティブ時間');
    await note.getByRole('button', { name: 'わかりました' }).click();
    await expect(note).toHaveCount(0);
    await page.reload();
    await expect(page.getByTestId('docker-autostart-notice')).toBeVisible();
    await expect(page.getByTestId('windows-reboot-notice')).toHaveCount(0);
    expect(problems).toEqual([]);
  });
});

test('the network comes back: the core is told', async ({ page, problems }) => {
  await installFakeBridge(page, { instances: ['home'] });
  await page.goto('/');
  await expect(page.locator('.instance-header').getByRole('heading', { name: 'home' })).toBeVisible();
  await page.evaluate(() => {
    window.dispatchEvent(new Event('online'));
    window.dispatchEvent(new Event('online'));
  });
  // one call for the burst (the debounce itself is unit-tested: test/unit/renderer/network-and-reboot.test.ts)
  await expect
    .poll(async () => (await bridgeCalls(page)).filter((c) => c.method === 'system.networkChanged'))
    .toEqual([{ method: 'system.networkChanged', input: undefined }]);
  expect(problems).toEqual([]);
});

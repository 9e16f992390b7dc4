/**
 * Managing Docker and a server from the page, with the fake bridge (no shared host state): the
 * wizard's "Start Docker" button and its live wait, Docker's advice where Engawa cannot start it,
 * the disk use on the dashboard with caches marked, and Delete, which asks for the exact name.
 */
import { bridgeCalls, installFakeBridge } from './fake-bridge';
import { expect, test } from './fixtures';
import { screen } from './screens';

test.use({ locale: 'en-US' });

test('Start Docker launches it, and the live wait goes on when it answers', async ({ page, problems }) => {
  await installFakeBridge(page, { docker: 'down', platform: 'darwin' });
  await page.goto('/');
  await page.getByRole('button', { name: 'Get started' }).click();
  await expect(page.getByText('Docker is not answering')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Next' })).toBeDisabled();
  await page.getByRole('button', { name: 'Start Docker' }).click();
  // the fake's Docker answers at once: the wait sees it and the step shows Docker running
  await expect(page.getByText(/Docker 27\.0\.0 is running/)).toBeVisible({ timeout: 10_000 });
  await expect(page.getByRole('button', { name: 'Next' })).toBeEnabled();
  expect((await bridgeCalls(page)).filter((c) => c.method === 'system.startDocker')).toHaveLength(1);
  expect(problems).toEqual([]);
});

test('where Engawa cannot start Docker, it says what to do and keeps waiting', async ({ page, problems }) => {
  const how = 'Start Docker with "sudo systemctl start docker" in a terminal.';
  await installFakeBridge(page, { docker: 'down', platform: 'linux', startDocker: { started: false, how } });
  await page.goto('/');
  await page.getByRole('button', { name: 'Get started' }).click();
  await page.getByRole('button', { name: 'Start Docker' }).click();
  const result = page.getByTestId('docker-start-result');
  await expect(result).toContainText('Engawa cannot start Docker here.');
  await expect(result).toContainText(how);
  await screen(page, '00-docker-start-advice');
  await expect(page.getByText(/Waiting for Docker/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Next' })).toBeDisabled();
  expect(problems).toEqual([]);
});

test('the dashboard shows disk use with caches marked, and Delete asks for the exact name', async ({ page, problems }) => {
  await installFakeBridge(page, { instances: ['home'] });
  await page.goto('/');
  await expect(page.locator('.instance-header').getByRole('heading', { name: 'home' })).toBeVisible();
  await expect(page.getByTestId('disk-total')).toHaveText('3 MB');
  await expect(page.locator('tr[data-volume="db"]')).toContainText('Backed up');
  await expect(page.locator('tr[data-volume="cache"]')).toContainText('Cache (left out)');

  await page.getByRole('tab', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Delete this server…' }).click();
  await expect(page.getByText('make a backup first')).toBeVisible();
  const confirm = page.getByRole('button', { name: 'Delete for good' });
  const input = page.getByLabel('To confirm, type the server’s name: home');
  for (const wrong of ['hom', 'Home', 'home ']) {
    await input.fill(wrong);
    await expect(confirm).toBeDisabled();
    await input.press('Enter');
  }
  expect((await bridgeCalls(page)).filter((c) => c.method === 'instances.destroy')).toEqual([]);
  await input.fill('home');
  await screen(page, '13-delete-confirm');
  await confirm.click();
  // the only server is gone: back to the wizard
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welcome to Engawa');
  expect((await bridgeCalls(page)).filter((c) => c.method === 'instances.destroy')).toEqual([{ method: 'instances.destroy', input: { name: 'home' } }]);
  expect(problems).toEqual([]);
});

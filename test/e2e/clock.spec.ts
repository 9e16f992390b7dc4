/**
 * The dashboard's clock warning, with the fake bridge (the shared host's engine has the right
 * time): 5 minutes off on Docker Desktop it warns and offers to set Docker's clock, which it does
 * only when the button is pressed; on a Linux engine it advises NTP; within 30 s it says nothing.
 */
import { bridgeCalls, installFakeBridge } from './fake-bridge';
import { expect, test } from './fixtures';

test.use({ locale: 'en-US' });

const checkedAt = '2026-01-01T00:00:00.000Z';

test('5 minutes ahead on Docker Desktop: the warning, and the fix only when pressed', async ({ page, problems }) => {
  await installFakeBridge(page, { instances: ['home'], clock: { skewMs: 5 * 60_000, checkedAt, ok: false, fix: 'engine-clock' } });
  await page.goto('/');
  const notice = page.getByTestId('clock-notice');
  await expect(notice).toContainText('The clock of Docker is 5 minutes ahead of this computer’s; other servers will reject this server’s messages.');
  expect((await bridgeCalls(page)).filter((c) => c.method === 'system.fixClock')).toEqual([]);
  await notice.getByRole('button', { name: 'Set Docker’s clock from this computer’s' }).click();
  await expect(notice).toHaveCount(0);
  expect((await bridgeCalls(page)).filter((c) => c.method === 'system.fixClock')).toHaveLength(1);
  expect(problems).toEqual([]);
});

test('5 minutes behind on a Linux engine: the NTP advice, no button', async ({ page, problems }) => {
  await installFakeBridge(page, { instances: ['home'], clock: { skewMs: -5 * 60_000, checkedAt, ok: false, fix: 'ntp' } });
  await page.goto('/');
  const notice = page.getByTestId('clock-notice');
  await expect(notice).toContainText('5 minutes behind');
  await expect(notice).toContainText('timedatectl set-ntp true');
  await expect(notice.getByRole('button')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('within 30 s: no warning', async ({ page, problems }) => {
  await installFakeBridge(page, { instances: ['home'], clock: { skewMs: 20_000, checkedAt, ok: true, fix: null } });
  await page.goto('/');
  await expect(page.locator('.instance-header').getByRole('heading', { name: 'home' })).toBeVisible();
  await expect.poll(async () => (await bridgeCalls(page)).some((c) => c.method === 'system.clock')).toBe(true);
  await expect(page.getByTestId('clock-notice')).toHaveCount(0);
  expect(problems).toEqual([]);
});

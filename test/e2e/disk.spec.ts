/**
 * The dashboard's disk notice and the settings' disk levels, with the fake bridge: a warning on
 * Docker's disk says how much is free and offers "Clean up now" (instances.clean for the server);
 * then, as the disk guard tells it (disk.changed, watch.action), the clean stop and the start once
 * space is back — in English and in Japanese; nothing while there is room; levels out of the range
 * refused with the range, nothing saved.
 */
import type { Page } from '@playwright/test';
import type { DiskPlaceInfo, DiskStatusInfo } from '../../electron/shared/contract';
import { bridgeCalls, installFakeBridge } from './fake-bridge';
import { expect, test } from './fixtures';

const GB = 1024 ** 3;
const at = '2026-01-01T00:00:00.000Z';
const docker = (freeGB: number, level: DiskPlaceInfo['level']): DiskPlaceInfo => ({
  place: 'docker',
  path: null,
  freeBytes: freeGB * GB,
  totalBytes: 500 * GB,
  level,
});
const status = (place: DiskPlaceInfo, stoppedByGuard: string[] = []): DiskStatusInfo => ({
  level: place.level,
  places: [place],
  checkedAt: at,
  thresholds: { warnBytes: 10 * GB, warnPercent: 10, criticalBytes: 2 * GB },
  stoppedByGuard,
});
const emit = (page: Page, event: string, payload: unknown) =>
  page.evaluate(([e, p]) => (window as unknown as { __emit: (e: unknown, p: unknown) => void }).__emit(e, p), [event, payload] as const);
const action = (kind: string, reason: string) => ({ instance: 'home', service: null, kind, reason, at });

test.describe('in English', () => {
  test.use({ locale: 'en-US' });

  test('a warning offers the clean-up; the stop and the start again are told as they happen', async ({ page, problems }) => {
    await installFakeBridge(page, { instances: ['home'], state: 'running', disk: status(docker(8, 'warning')) });
    await page.goto('/');
    const notice = page.getByTestId('disk-notice');
    await expect(notice).toContainText('The disk is getting full');
    await expect(notice).toContainText('Docker’s disk (where your servers keep their data): 8 GB free of 500 GB.');
    await notice.getByRole('button', { name: 'Clean up home now' }).click();
    await expect(notice).toContainText('The clean-up of home has finished.');
    expect((await bridgeCalls(page)).filter((c) => c.method === 'instances.clean')).toEqual([{ method: 'instances.clean', input: { name: 'home' } }]);

    await emit(page, 'watch.action', action('disk-clean', 'running the clean-up'));
    await emit(page, 'watch.action', action('disk-stop', 'stopped cleanly'));
    await emit(page, 'disk.changed', status(docker(1.5, 'critical'), ['home']));
    await expect(notice).toContainText('The disk is almost full');
    await expect(notice).toContainText('1.5 GB free of 500 GB');
    await expect(notice).toContainText('Engawa cleaned the caches of home.');
    await expect(notice).toContainText('Engawa stopped home cleanly to protect its database. Nothing was deleted');

    await emit(page, 'watch.action', action('disk-start', 'started again'));
    await emit(page, 'disk.changed', status(docker(40, 'ok')));
    await expect(notice).toContainText('There is enough disk space again');
    await expect(notice).toContainText('Engawa started home again.');
    await expect(notice).not.toContainText('stopped');
    expect(problems).toEqual([]);
  });

  test('nothing while there is room', async ({ page, problems }) => {
    await installFakeBridge(page, { instances: ['home'], disk: status(docker(100, 'ok')) });
    await page.goto('/');
    await expect(page.locator('.instance-header').getByRole('heading', { name: 'home' })).toBeVisible();
    await expect.poll(async () => (await bridgeCalls(page)).some((c) => c.method === 'system.disk')).toBe(true);
    await expect(page.getByTestId('disk-notice')).toHaveCount(0);
    expect(problems).toEqual([]);
  });

  test('the levels in the settings: out of the range refused with it, nothing saved; in it, saved', async ({ page, problems }) => {
    await installFakeBridge(page, { instances: ['home'] });
    await page.goto('/');
    await page.getByRole('button', { name: 'Settings' }).click();
    const levels = page.getByTestId('disk-levels');
    await expect(levels.getByLabel('Warn below (GB free)')).toHaveValue('10');
    await levels.getByLabel('Critical below (GB free)').fill('12');
    await levels.getByRole('button', { name: 'Save the levels' }).click();
    await expect(page.getByTestId('disk-levels-invalid')).toContainText(
      'These levels cannot be used. Allowed: critical 0.5 GB or more and below the warning level',
    );
    expect((await bridgeCalls(page)).filter((c) => c.method === 'settings.set')).toEqual([]);
    await levels.getByLabel('Critical below (GB free)').fill('3');
    await levels.getByRole('button', { name: 'Save the levels' }).click();
    await expect
      .poll(async () => (await bridgeCalls(page)).filter((c) => c.method === 'settings.set').map((c) => c.input))
      .toEqual([{ disk: { warnGB: 10, warnPercent: 10, criticalGB: 3 } }]);
    await expect(page.getByTestId('disk-levels-invalid')).toHaveCount(0);
    expect(problems).toEqual([]);
  });
});

test.describe('in Japanese', () => {
  test.use({ locale: 'ja-JP' });

  test('critical: the stop, in Japanese', async ({ page, problems }) => {
    await installFakeBridge(page, { instances: ['home'], disk: status(docker(1.5, 'critical'), ['home']) });
    await page.goto('/');
    const notice = page.getByTestId('disk-notice');
    await expect(notice).toContainText('ディスクの空きがほとんどありません');
    await expect(notice).toContainText('Docker のディスク（サーバーのデータの置き場所）: 空き 1.5 GB／全体 500 GB');
    await expect(notice).toContainText('データベースを守るため、Engawa が home を安全に停止しました。データは消えていません。');
    await expect(notice.getByRole('button')).toHaveCount(0); // the server is stopped: nothing to clean in it now
    expect(problems).toEqual([]);
  });
});

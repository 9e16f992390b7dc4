/**
 * The Backups tab against the real core on the test engine (`npm run serve`, see
 * playwright.config.ts): an instance of the test recipe is created through the API, then from the
 * page a backup is made with its passphrase (byte progress shown), listed with its size, and
 * verified. The instance and its backups are removed afterwards. Texts are matched in English or
 * Japanese: the wizard spec switches the shared language setting while this one may run.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { E2E_URL, hostApi } from './host';
import { expect, openServer, test } from './fixtures';

const name = `bk-${randomBytes(3).toString('hex')}`;
let folder = '';

test.use({ locale: 'en-US' });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  const { api, ended, close } = await hostApi();
  try {
    const { opId } = await api.call('instances.create', { stack: 'test-web', name, domain: `${name}.example.com` });
    expect(await ended(opId)).not.toHaveProperty('error');
  } finally {
    close();
  }
});

test.afterAll(async () => {
  test.setTimeout(120_000);
  const { api, ended, close } = await hostApi();
  try {
    if ((await api.call('instances.list')).some((i) => i.name === name)) {
      const { opId } = await api.call('instances.destroy', { name });
      expect(await ended(opId)).not.toHaveProperty('error');
    }
  } finally {
    close();
  }
  if (folder !== '') for (const f of folder.split('\n')) await rm(f, { force: true });
});

test('the Backups tab makes a backup with progress, lists it and verifies it', async ({ page, problems }) => {
  test.setTimeout(180_000);
  const frames: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
  await page.goto(E2E_URL);
  await openServer(page, name);
  await page.getByRole('tab', { name: /Backups|バックアップ/ }).click();

  const create = page.getByRole('button', { name: /Back up now|今すぐバックアップ/ });
  await expect(create).toBeDisabled(); // no passphrase kept yet
  // the hint while choosing it: the characters still missing, then how strong it is (the core's rule)
  const hint = page.getByTestId('passphrase-hint');
  await page.locator('#backup-passphrase').fill('too short');
  await expect(hint).toHaveAttribute('data-strength', 'too-short');
  await expect(hint).toHaveText(/^(3 more to reach the minimum of 12 characters\.|最低 12 文字まで、あと 3 文字です。)$/);
  await expect(create).toBeDisabled();
  await page.locator('#backup-passphrase').fill('e2e passphrase 1');
  await expect(hint).toHaveAttribute('data-strength', 'fair');
  await create.click();
  await expect(page.locator('.backup-op .notice-ok')).toBeVisible({ timeout: 120_000 });
  await expect(page.locator('#backup-passphrase')).toHaveValue(''); // not kept in the page

  const row = page.locator('.backups-table tbody tr');
  await expect(row).toHaveCount(1);
  await expect(row.locator('td').nth(1)).toHaveText(/\d/);
  // byte progress was pushed while the backup ran
  expect(frames.some((f) => f.includes('"kind":"bytes"'))).toBe(true);
  expect(frames.join('\n')).not.toContain('e2e passphrase 1');

  await row.getByRole('button', { name: /^(Verify|検証)$/ }).click();
  await expect(row.locator('.backup-result')).toHaveText(/every part matches|チェックサムと一致/, { timeout: 60_000 });

  const { api, close } = await hostApi();
  try {
    const list = await api.call('backups.list', { name });
    expect(list.passphraseSet).toBe(true);
    expect(list.backups).toHaveLength(1);
    expect(list.backups[0]!.bytes).toBeGreaterThan(0);
    folder = list.backups.map((b) => b.file).join('\n');
  } finally {
    close();
  }
  expect(problems).toEqual([]);
});

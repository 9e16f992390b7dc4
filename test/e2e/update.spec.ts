/**
 * A server's update from its dashboard, against the real core on the test engine (`npm run serve`,
 * see playwright.config.ts), once in English and once in Japanese: a server of the releases copy of
 * the test recipe (host.ts: 1.1.0, a security release, and 1.0.0) is created on 1.0.0 through the
 * API. In the page, the update card shows 1.0.0 → 1.1.0 with the security badge, the release notes
 * link, the downtime, and an Update button that waits for the backup passphrase; the update runs
 * with its steps shown live and ends on 1.1.0 (the web container runs the new release), with the
 * downtime; then the rollback offer: in English its preview of what would be lost (cancelled), in
 * Japanese "Keep this version". The update policy on the same card: set to install security
 * updates by themselves at an hour (in Japanese first, so it asks for the passphrase and keeps it;
 * in English after the update, with the kept one), kept over a reload, then back to "tell me".
 * The servers and their pre-update backups are removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import Dockerode from 'dockerode';
import { createServer, E2E_URL, hostApi, RELEASES_STACK } from './host';
import { expect, inEachLanguage, openServer, test } from './fixtures';
import { screen } from './screens';

const PASS = 'e2e update passphrase 3';

/** The page's words the spec looks for, per language. */
const WORDS = {
  en: {
    security: 'Security update',
    notes: `What is new in ${RELEASES_STACK.new} (release notes)`,
    downtime: /down for about 30 seconds/,
    update: `Update to ${RELEASES_STACK.new}`,
    step: `Switch to ${RELEASES_STACK.new}`,
    done: new RegExp(`^Updated to ${RELEASES_STACK.new.replace(/\./g, '\\.')}\\. The server was down for \\d+ (seconds|minutes)\\.$`),
    upToDate: `runs ${RELEASES_STACK.new}`,
    goBack: `Go back to ${RELEASES_STACK.old}…`,
    previewTitle: `Go back to ${RELEASES_STACK.old}?`,
    cancel: 'Cancel',
    keep: 'Keep this version',
    auto: 'Install security updates by themselves',
    notify: 'Tell me; I update when I choose',
    save: 'Save',
    next: /^Next check for a security update: /,
    isNotify: /nothing is installed by itself/,
  },
  ja: {
    security: 'セキュリティ更新',
    notes: `${RELEASES_STACK.new} の変更点（リリースノート）`,
    downtime: /約 30 秒止まります/,
    update: `${RELEASES_STACK.new} にアップデート`,
    step: `${RELEASES_STACK.new} に切り替え`,
    done: new RegExp(`^${RELEASES_STACK.new.replace(/\./g, '\\.')} にアップデートしました。サーバーが止まっていたのは \\d+ (秒|分)でした。$`),
    upToDate: `最新のリリース ${RELEASES_STACK.new}`,
    goBack: `${RELEASES_STACK.old} に戻す…`,
    previewTitle: `${RELEASES_STACK.old} に戻しますか？`,
    cancel: 'キャンセル',
    keep: 'このバージョンを使い続ける',
    auto: 'セキュリティ更新を自動で入れる',
    notify: '知らせるだけ（更新は自分で行う）',
    save: '保存',
    next: /^次にセキュリティ更新を確認する日時：/,
    isNotify: /自動で入ることはありません/,
  },
} as const;

function docker(): Dockerode {
  const host = process.env.DOCKER_HOST ?? '';
  if (!host.startsWith('unix://')) throw new Error('The end-to-end tests need DOCKER_HOST=unix://… (see scripts/test-engine.sh)');
  return new Dockerode({ socketPath: host.slice('unix://'.length) });
}

/** The TEST_RELEASE variable of the server's web container: the release it runs. */
async function webRelease(name: string): Promise<string | undefined> {
  const info = await docker().getContainer(`engawa-${name}-web-1`).inspect();
  return info.Config.Env.find((e) => e.startsWith('TEST_RELEASE='))?.slice('TEST_RELEASE='.length);
}

/**
 * Sets the update policy on the card to "install security updates by themselves" at 05:15 (typing
 * the passphrase when the card asks for it), checks it holds after a reload and in the core, then
 * sets it back to "tell me".
 */
async function setPolicy(page: Page, name: string, words: (typeof WORDS)[keyof typeof WORDS], asksPassphrase: boolean): Promise<void> {
  const policy = page.getByTestId('update-policy');
  await expect(policy.getByRole('radio', { name: words.notify })).toBeChecked();
  await expect(policy.getByTestId('update-policy-state')).toHaveText(words.isNotify);
  await policy.getByRole('radio', { name: words.auto }).check();
  await policy.locator('#update-policy-at').fill('05:15');
  const save = policy.getByRole('button', { name: words.save });
  await expect(policy.locator('#update-policy-passphrase')).toHaveCount(asksPassphrase ? 1 : 0);
  if (asksPassphrase) {
    await expect(save).toBeDisabled();
    await policy.locator('#update-policy-passphrase').fill(PASS);
  }
  await expect(save).toBeEnabled();
  await save.click();
  await expect(policy.getByTestId('update-policy-state')).toHaveText(words.next);
  await expect(policy).toHaveAttribute('data-mode', 'auto-security');

  const { api, close } = await hostApi();
  try {
    const info = await api.call('updates.policy.get', { name });
    expect(info).toMatchObject({ mode: 'auto-security', at: '05:15' });
    const next = new Date(info.nextRun ?? '');
    expect([next.getHours(), next.getMinutes()]).toEqual([5, 15]);
    expect((await api.call('updates.list')).find((u) => u.name === name)?.passphraseKept).toBe(true);
  } finally {
    close();
  }

  await page.reload();
  await openServer(page, name);
  const again = page.getByTestId('update-policy');
  await expect(again.getByRole('radio', { name: words.auto })).toBeChecked();
  await expect(again.locator('#update-policy-at')).toHaveValue('05:15');
  await expect(again.locator('#update-policy-passphrase')).toHaveCount(0);
  await screen(page, `update-${words === WORDS.en ? 'en' : 'ja'}-5-policy`);
  await again.getByRole('radio', { name: words.notify }).check();
  await again.getByRole('button', { name: words.save }).click();
  await expect(again.getByTestId('update-policy-state')).toHaveText(words.isNotify);
}

inEachLanguage((lang) => {
  const name = `up-${lang}-${randomBytes(3).toString('hex')}`;
  const words = WORDS[lang];

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    await createServer({ stack: RELEASES_STACK.id, name, domain: `${name}.example.com`, version: RELEASES_STACK.old });
  });

  test.afterAll(async () => {
    test.setTimeout(120_000);
    const { api, ended, close } = await hostApi();
    try {
      if ((await api.call('instances.list')).some((i) => i.name === name)) {
        const files = (await api.call('backups.list', { name })).backups.map((b) => b.file);
        const { opId } = await api.call('instances.destroy', { name });
        expect(await ended(opId)).not.toHaveProperty('error');
        for (const f of files) await rm(f, { force: true });
      }
    } finally {
      close();
    }
  });

  if (lang === 'ja') {
    // first the policy, which asks for the passphrase (none is kept yet) and keeps it
    test('the update card sets security updates to install by themselves, asking the passphrase once', async ({ page, problems }) => {
      await page.goto(E2E_URL);
      await openServer(page, name);
      await setPolicy(page, name, words, true);
      expect(problems).toEqual([]);
    });
  }

  test('the update card updates the server to the security release, live, then offers to go back', async ({ page, problems }) => {
    test.setTimeout(240_000);
    const frames: string[] = [];
    page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
    expect(await webRelease(name)).toBe(RELEASES_STACK.old);
    await page.goto(E2E_URL);
    await openServer(page, name);
    await expect(page.locator('.instance-header').getByRole('heading', { name })).toBeVisible();

    // what is on offer, before anything runs
    const card = page.getByTestId('update-card');
    await expect(card).toHaveAttribute('data-offer', 'available');
    await expect(card.getByTestId('update-versions')).toContainText(`${RELEASES_STACK.old} → ${RELEASES_STACK.new}`);
    await expect(card.getByTestId('update-security')).toHaveText(words.security);
    const notes = card.getByTestId('update-notes');
    await expect(notes).toHaveText(words.notes);
    await expect(notes).toHaveAttribute('href', RELEASES_STACK.notesUrl);
    await expect(notes).toHaveAttribute('target', '_blank');
    await expect(card.getByTestId('update-downtime')).toHaveText(words.downtime);
    await expect(card.getByTestId('update-rollback-offer')).toHaveCount(0);
    await screen(page, `update-${lang}-1-available`);

    // the passphrase is asked when none is kept (in Japanese the policy kept it)
    const update = card.getByRole('button', { name: words.update });
    if (lang === 'en') {
      await expect(update).toBeDisabled();
      await card.locator('#update-passphrase').fill(PASS);
    } else {
      await expect(card.locator('#update-passphrase')).toHaveCount(0);
    }
    await expect(update).toBeEnabled();
    await update.click();

    // the steps, live (the backup alone takes seconds), then the result, the steps behind a toggle
    const op = card.getByTestId('update-op');
    await expect(card.locator('[data-testid="update-op"][data-status="running"] .steps li').first()).toBeVisible({ timeout: 30_000 });
    await screen(page, `update-${lang}-2-running`);
    await expect(op).toHaveAttribute('data-status', 'done', { timeout: 150_000 });
    await expect(card.getByTestId('update-done')).toHaveText(words.done);
    await op.locator('details summary').click();
    await expect(op.locator('.steps li.step-done', { hasText: words.step })).toBeVisible();
    expect(frames.some((f) => f.includes('"op":"update"') && f.includes('"kind":"step"'))).toBe(true);
    expect(frames.join('\n')).not.toContain(PASS);

    // on 1.1.0 now, with the rollback offer
    await expect(card).toHaveAttribute('data-offer', 'upToDate');
    await expect(card.getByTestId('update-up-to-date')).toContainText(words.upToDate);
    const offer = card.getByTestId('update-rollback-offer');
    await expect(offer).toBeVisible();
    expect(await webRelease(name)).toBe(RELEASES_STACK.new);
    await screen(page, `update-${lang}-3-done`);

    if (lang === 'en') {
      // what going back would do, then cancelled: nothing changes
      await offer.getByRole('button', { name: words.goBack }).click();
      const confirm = card.getByTestId('rollback-confirm');
      await expect(confirm.locator('.notice-title')).toHaveText(words.previewTitle, { timeout: 30_000 });
      await screen(page, `update-${lang}-4-rollback-preview`);
      await confirm.getByRole('button', { name: words.cancel }).click();
      await expect(confirm).toHaveCount(0);
      await expect(offer).toBeVisible();
    } else {
      await offer.getByRole('button', { name: words.keep }).click();
      await expect(offer).toHaveCount(0, { timeout: 30_000 });
    }

    const { api, close } = await hostApi();
    try {
      const info = (await api.call('updates.list')).find((u) => u.name === name);
      expect(info).toMatchObject({ current: RELEASES_STACK.new, steps: [], passphraseKept: true });
      if (lang === 'en') expect(info?.rollback).toMatchObject({ to: RELEASES_STACK.old, updatedTo: RELEASES_STACK.new });
      else expect(info).not.toHaveProperty('rollback');
    } finally {
      close();
    }
    expect(problems).toEqual([]);
  });

  if (lang === 'en') {
    test('the update card sets security updates to install by themselves with the kept passphrase', async ({ page, problems }) => {
      await page.goto(E2E_URL);
      await openServer(page, name);
      await setPolicy(page, name, words, false);
      expect(problems).toEqual([]);
    });
  }
});

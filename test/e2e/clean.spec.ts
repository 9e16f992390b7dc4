/**
 * "Clean now" on the disk card, against the real core on the test engine with the Mastodon
 * stand-in (its tootctl deletes cached files older than --days, as upstream does), once in English
 * and once in Japanese: a Mastodon server is created through the host API and files are put into its
 * media-cache volume (three of 1 MiB from 40 days ago, one fresh). On its dashboard the card shows
 * the cache's size, the daily run and what "Clean now" removes; the days are set to 30 in the card;
 * "Clean now" runs the clean-up, says how much it freed, and the cache size shown drops. The servers
 * are removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import Dockerode from 'dockerode';
import { LABELS } from '../../electron/core/plan/types';
import { createServer, destroyServer, E2E_URL } from './host';
import { expect, inEachLanguage, openServer, test } from './fixtures';
import { screen } from './screens';

const WORDS = {
  en: { title: 'Cache clean-up', save: 'Save', now: 'Clean now', done: /^Cleaned up: the cache went from .+ to .+\.$/, daily: /every day at 04:30/ },
  ja: {
    title: 'キャッシュのクリーンアップ',
    save: '保存',
    now: '今すぐクリーンアップ',
    done: /^クリーンアップしました。キャッシュは .+ から .+ になりました。$/,
    daily: /毎日 04:30 に実行/,
  },
} as const;

const CACHE = '/opt/mastodon/public/system/cache';

/** Runs `script` in the server's web container (the stand-in), as its own user. */
async function inWeb(name: string, script: string): Promise<void> {
  const host = process.env.DOCKER_HOST ?? '';
  const docker = new Dockerode({ socketPath: host.replace(/^unix:\/\//, '') });
  const [c] = await docker.listContainers({ filters: { label: [`${LABELS.project}=engawa-${name}`, `${LABELS.service}=web`, `${LABELS.role}=service`] } });
  if (!c) throw new Error(`no web container for ${name}`);
  const exec = await docker.getContainer(c.Id).exec({ Cmd: ['sh', '-c', script], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  await new Promise((resolve) => stream.on('end', resolve).resume());
  const { ExitCode } = await exec.inspect();
  if (ExitCode !== 0) throw new Error(`"${script}" failed in ${name}/web (exit ${ExitCode})`);
}

inEachLanguage((lang) => {
  const name = `clean-${lang}-${randomBytes(3).toString('hex')}`;
  const words = WORDS[lang];

  test.beforeAll(async () => {
    test.setTimeout(240_000);
    await createServer({ stack: 'mastodon', name, domain: `${name}.example.com`, allowLowMemory: true });
    await inWeb(
      name,
      [
        `for d in media_attachments/files/1 accounts/avatars/1 preview_cards/images/1; do mkdir -p ${CACHE}/$d`,
        `head -c 1048576 /dev/urandom > ${CACHE}/$d/old.bin; touch -d '40 days ago' ${CACHE}/$d/old.bin; done`,
        `head -c 4096 /dev/urandom > ${CACHE}/media_attachments/files/1/fresh.bin`,
      ].join('; '),
    );
  });

  test.afterAll(async () => {
    test.setTimeout(120_000);
    await destroyServer(name);
  });

  test('"Clean now" runs the clean-up and the cache size shown drops', async ({ page, problems }) => {
    test.setTimeout(90_000);
    await page.goto(E2E_URL);
    await openServer(page, name);
    const card = page.getByTestId('cache-clean');
    await expect(card.getByRole('heading', { name: words.title })).toBeVisible({ timeout: 30_000 });
    const size = card.getByTestId('cache-size');
    await expect(size).toBeVisible({ timeout: 30_000 });
    const before = Number(await size.getAttribute('data-bytes'));
    expect(before).toBeGreaterThan(3_000_000);
    await expect(card.getByTestId('clean-next')).toHaveText(words.daily);

    // keep 30 days (the files are 40 days old); the commands shown follow
    await card.getByTestId('clean-days').fill('30');
    await card.getByRole('button', { name: words.save }).click();
    await expect(card.getByRole('status')).toBeVisible();
    await expect(card.locator('[data-task="media"] code')).toHaveText('bin/tootctl media remove --days 30');
    await expect(card.locator('[data-task="preview-cards"] code')).toHaveText('bin/tootctl preview_cards remove --days 30');

    await card.getByRole('button', { name: words.now }).click();
    await expect(card.getByTestId('clean-result')).toHaveText(words.done, { timeout: 60_000 });
    await expect.poll(async () => Number(await size.getAttribute('data-bytes')), { timeout: 30_000 }).toBeLessThan(before - 3_000_000);
    await expect(card.getByTestId('clean-last')).not.toHaveText(/^$/);
    await card.scrollIntoViewIfNeeded();
    await screen(page, `clean-${lang}`);
    expect(problems).toEqual([]);
  });
});

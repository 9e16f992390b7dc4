/**
 * The uptime strip on a server's dashboard, against the real core on the test engine, once in
 * English and once in Japanese: a server of the test recipe is created through the host API, then
 * its history log in the host's home (ENGAWA_E2E_HOME/history/<name>.jsonl) is replaced by a
 * recorded week: up (with Engawa's heartbeats), Engawa closed for a day, up again, down for 12
 * minutes a day ago, up since. The dashboard draws those stretches in that order with the legend,
 * sums the downtime ("Down 12 min in the last 7 days") and says how long it has been up, and lists
 * the watchdog's two recorded actions under the strip, newest first, with their reasons. The
 * servers are removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createServer, destroyServer, E2E_URL } from './host';
import { expect, inEachLanguage, openServer, test } from './fixtures';
import { screen } from './screens';

const WORDS = {
  en: {
    title: 'Last 7 days',
    down: 'Down 12 min in the last 7 days',
    up: 'Up 1 day',
    legend: ['Up', 'Starting', 'Down', 'PC asleep or Engawa not running'],
    actions: 'What the watchdog did',
    kinds: ['Checked again', 'Restarted'],
  },
  ja: {
    title: '過去 7 日間の稼働状況',
    down: '過去 7 日間の停止：合計 12 分間',
    up: '1 日間稼働中',
    legend: ['稼働中', '起動中', '停止', 'PC のスリープ中または Engawa 未起動'],
    actions: '見守り機能が行った操作',
    kinds: ['再確認しました', '再起動しました'],
  },
} as const;

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

/** A recorded week ending now: the lines of the history log. */
function recordedWeek(now: number): string {
  const lines: object[] = [];
  const at = (t: number): string => new Date(t).toISOString();
  const state = (t: number, s: string, source = 'docker', reason?: string) => lines.push({ at: at(t), state: s, source, ...(reason && { reason }) });
  const beats = (from: number, to: number) => {
    for (let t = from + 10 * MIN; t < to; t += 10 * MIN) state(t, 'heartbeat', 'engawa');
  };
  state(now - 8 * DAY, 'running', 'engawa');
  beats(now - 8 * DAY, now - 3 * DAY);
  state(now - 3 * DAY, 'closed', 'engawa'); // Engawa quit for a day
  state(now - 2 * DAY, 'running', 'engawa');
  beats(now - 2 * DAY, now - DAY - 12 * MIN);
  state(now - DAY - 12 * MIN, 'degraded', 'docker');
  state(now - DAY - 6 * MIN, 'degraded', 'watchdog', 'restart: web stayed unhealthy');
  state(now - DAY - 3 * MIN, 'degraded', 'watchdog', 'recheck: Docker is back: not ready: web');
  state(now - DAY, 'running', 'docker');
  beats(now - DAY, now);
  return lines.map((l) => `${JSON.stringify(l)}\n`).join('');
}

inEachLanguage((lang) => {
  const name = `uptime-${lang}-${randomBytes(3).toString('hex')}`;
  const words = WORDS[lang];

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    await createServer({ stack: 'test-web', name, domain: `${name}.example.com` });
    const home = process.env.ENGAWA_E2E_HOME;
    if (home === undefined) throw new Error('ENGAWA_E2E_HOME is not set (playwright.config.ts sets it)');
    await mkdir(path.join(home, 'history'), { recursive: true });
    await writeFile(path.join(home, 'history', `${name}.jsonl`), recordedWeek(Date.now()));
  });

  test.afterAll(async () => {
    test.setTimeout(120_000);
    await destroyServer(name);
  });

  test('the dashboard draws the last 7 days from the recorded history, with the downtime summed', async ({ page, problems }) => {
    await page.goto(E2E_URL);
    await openServer(page, name);
    await expect(page.locator('.instance-header').getByRole('heading', { name })).toBeVisible();
    const card = page.locator('.uptime-card');
    await expect(card.getByRole('heading', { name: words.title })).toBeVisible();
    const strip = card.getByTestId('uptime-strip');
    await expect(strip.locator('[data-kind]')).toHaveCount(5);
    const kinds = await strip.locator('[data-kind]').evaluateAll((bars) => bars.map((b) => b.getAttribute('data-kind')));
    expect(kinds).toEqual(['up', 'unknown', 'up', 'down', 'up']);
    // the day Engawa was closed is a seventh of the strip, starting four days in
    const widths = await strip.locator('[data-kind]').evaluateAll((bars) => bars.map((b) => Number.parseFloat((b as HTMLElement).style.width)));
    expect(widths[1]).toBeCloseTo(100 / 7, 0);
    await expect(strip).toHaveAttribute('aria-label', new RegExp(words.down));
    await expect(card.getByTestId('uptime-down')).toHaveText(words.down);
    await expect(card.getByTestId('uptime-up')).toHaveText(words.up);
    await expect(card.locator('.uptime-legend').getByRole('listitem')).toHaveText([...words.legend]);
    await expect(strip.locator('[data-kind="down"]')).toHaveAttribute('title', new RegExp(`^${words.legend[2]}`));
    // the watchdog's actions under the strip, newest first: what (translated) and why (as recorded)
    await expect(card.getByRole('heading', { name: words.actions })).toBeVisible();
    const actions = card.getByTestId('watch-actions').getByRole('listitem');
    await expect(actions).toHaveCount(2);
    await expect(actions.locator('strong')).toHaveText([...words.kinds]);
    await expect(actions.locator('.watch-action-reason')).toHaveText(['Docker is back: not ready: web', 'web stayed unhealthy']);
    await expect(actions.first().locator('time')).toHaveAttribute('datetime', /^\d{4}-\d\d-\d\dT/);
    await card.scrollIntoViewIfNeeded();
    await screen(page, `uptime-${lang}`);
    expect(problems).toEqual([]);
  });
});

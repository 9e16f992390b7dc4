/**
 * The whole journey against the real core on the test engine (`npm run serve`, see
 * playwright.config.ts): the wizard in English creates an instance of the test recipe (after the
 * core refused a bad domain and the page showed why on the field), the dashboard shows every
 * service running and its disk use, live logs with a service filter and search, Stop from the dashboard with the
 * new state pushed to the page within a second of Docker stopping the last container, and the
 * dashboard in Japanese. Screenshots of each step go to test-results/screens/. The instance is
 * destroyed through the API afterwards, and the language setting put back.
 */
import { randomBytes } from 'node:crypto';
import Dockerode from 'dockerode';
import type { Page } from '@playwright/test';
import { E2E_URL, hostApi } from './host';
import { expect, test } from './fixtures';
import { screen } from './screens';

const name = `e2e-${randomBytes(3).toString('hex')}`;
const domain = `${name}.example.com`;

/** Every WebSocket frame the page sent or received, with the time it was seen. */
interface Frame {
  dir: 'sent' | 'received';
  at: number;
  data: { method?: string; event?: string; payload?: { name?: string; state?: string } };
}

function recordFrames(page: Page): Frame[] {
  const frames: Frame[] = [];
  page.on('websocket', (ws) => {
    const add = (dir: Frame['dir']) => (f: { payload: string | Buffer }) => {
      try {
        frames.push({ dir, at: Date.now(), data: JSON.parse(String(f.payload)) as Frame['data'] });
      } catch {
        // not JSON: not ours
      }
    };
    ws.on('framesent', add('sent'));
    ws.on('framereceived', add('received'));
  });
  return frames;
}

function docker(): Dockerode {
  const host = process.env.DOCKER_HOST ?? '';
  if (!host.startsWith('unix://')) throw new Error('The end-to-end tests need DOCKER_HOST=unix://… (see scripts/test-engine.sh)');
  return new Dockerode({ socketPath: host.slice('unix://'.length) });
}

/** Times (ms since the epoch) at which Docker reported a container of the project as dead. */
async function watchDies(project: string): Promise<{ times: number[]; stop: () => void }> {
  const times: number[] = [];
  const stream = (await docker().getEvents({
    filters: { type: ['container'], event: ['die'], label: [`com.docker.compose.project=${project}`] },
  })) as NodeJS.ReadableStream & { destroy(): void };
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      const e = JSON.parse(line) as { timeNano: number };
      times.push(e.timeNano / 1e6);
    }
  });
  return { times, stop: () => stream.destroy() };
}

test.use({ locale: 'en-US' });

test.afterAll(async () => {
  const { api, ended, close } = await hostApi();
  try {
    if ((await api.call('instances.list')).some((i) => i.name === name)) {
      const { opId } = await api.call('instances.destroy', { name });
      expect(await ended(opId)).not.toHaveProperty('error');
    }
    await api.call('settings.set', { language: null });
  } finally {
    close();
  }
});

test('the wizard creates a server, the dashboard runs it, in English and Japanese', async ({ page, problems }) => {
  test.setTimeout(240_000);
  const frames = recordFrames(page);
  const header = page.locator('.instance-header');

  // 1. Language
  await page.goto(E2E_URL);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welcome to Engawa');
  await page.locator('.choice-row').getByRole('button', { name: 'English' }).click();
  await screen(page, '01-language');
  await page.getByRole('button', { name: 'Get started' }).click();

  // 2. Docker: the real engine answers
  await expect(page.getByText(/^Docker .+ is running/)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText(/^Docker can use .+ of memory\./)).toBeVisible();
  await screen(page, '02-docker');
  await page.getByRole('button', { name: 'Next' }).click();

  // 3. Network: the three real ones with honest notes, and the test recipe (ENGAWA_RECIPES added it)
  const card = (stack: string) => page.locator('.stack-card').filter({ has: page.locator('.stack-name', { hasText: new RegExp(`^${stack}$`) }) });
  await expect(card('Mastodon')).toContainText('Posts up to 500 characters');
  await expect(card('Mastodon')).toContainText('Uses about 2 GB of memory');
  await expect(card('Misskey')).toContainText('SSE4.2');
  await expect(card('Bluesky PDS')).toContainText('Posts up to 300 characters');
  await expect(card('Test web stack')).toContainText('for tests');
  await card('Test web stack').getByRole('radio').check();
  await screen(page, '03-stack');
  await page.getByRole('button', { name: 'Next' }).click();

  // 4. Domain: a URL instead of a name goes through to the core, which refuses it …
  await expect(page.getByLabel('Name in Engawa')).toHaveValue('test-web');
  await page.getByLabel('Domain', { exact: true }).fill(`https://${domain}/`);
  await page.getByLabel('Name in Engawa').fill(name);
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('radio', { name: /Only this computer, for now/ })).toBeChecked();
  await screen(page, '05-tunnel');
  await page.getByRole('button', { name: 'Next' }).click(); // no admin step: the test recipe has none
  await expect(page.locator('.summary')).toContainText('Test web stack');
  await page.getByRole('button', { name: 'Create my server' }).click();
  // … and the wizard is back on the domain, saying why in plain words
  await expect(page.locator('#domain-error')).toContainText('This domain cannot be used.');
  await expect(page.getByLabel('Domain', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await screen(page, '04-domain-refused');
  await page.getByLabel('Domain', { exact: true }).fill(domain);
  await expect(page.locator('#domain-error')).toHaveCount(0);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Next' }).click();
  await screen(page, '06-review');

  // 5. Create, with the real steps as they happen
  await page.getByRole('button', { name: 'Create my server' }).click();
  await expect(page.getByRole('heading', { name: 'Your server is ready' })).toBeVisible({ timeout: 180_000 });
  await expect(page.locator('.step', { hasText: 'Wait until every service is healthy' })).toHaveClass(/step-done/);
  await expect(page.locator('.step', { hasText: 'Program local/postgres:15' })).toHaveClass(/step-(done|skipped)/);
  await expect(page.locator('.step', { hasText: 'Set up: create-notes-table' })).toHaveClass(/step-done/);
  const localUrl = await page.getByTestId('local-url').getAttribute('href');
  expect(localUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(await (await page.request.get(`${localUrl}/`)).text()).toContain(`Hello from ${domain}`);
  await screen(page, '07-created');
  await page.getByRole('button', { name: 'Go to the dashboard' }).click();

  // 6. Dashboard: every service running and healthy, addresses, resources
  await expect(header.getByRole('heading', { name })).toBeVisible();
  await expect(header.locator('.state')).toHaveAttribute('data-state', 'running');
  for (const service of ['db', 'redis', 'web']) {
    const row = page.locator(`tr[data-service="${service}"]`);
    await expect(row).toHaveAttribute('data-state', 'running');
    await expect(row).toContainText('Healthy');
  }
  await expect(page.getByTestId('dashboard-local-url')).toHaveAttribute('href', localUrl ?? '');
  await expect(page.getByTestId('memory-total')).toHaveText(/\d/, { timeout: 20_000 });
  // disk use of its volumes, from Docker's /system/df, the cache marked as left out of backups
  await expect(page.getByTestId('disk-total')).toHaveText(/\d/);
  await expect(page.locator('tr[data-volume="db"]')).toHaveAttribute('data-backup', 'data');
  await expect(page.locator('tr[data-volume="cache"]')).toContainText('Cache (left out)');
  await screen(page, '08-dashboard');

  // 7. Logs: history, a service filter, search, and a new line pushed live
  await page.getByRole('tab', { name: 'Logs' }).click();
  const lines = page.locator('.log-line');
  await expect(lines.first()).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText('Live', { exact: true })).toBeVisible();
  await page.getByLabel('Service').selectOption('db');
  await expect(lines.first()).toBeVisible({ timeout: 20_000 });
  expect(new Set(await page.locator('.log-service').allTextContents())).toEqual(new Set(['db']));
  await page.getByLabel('Search').fill('ready to accept connections');
  await expect(lines.first()).toContainText('ready to accept connections');
  await screen(page, '09-logs-db');
  await page.getByLabel('Service').selectOption('');
  // busybox httpd logs each answer; only a request for a missing page gives a 404
  await page.getByLabel('Search').fill('response:404');
  await expect(page.getByText('No lines match your search.')).toBeVisible();
  expect((await page.request.get(`${localUrl}/e2e-missing-page`)).status()).toBe(404);
  await expect(lines.filter({ hasText: 'response:404' }).first()).toBeVisible({ timeout: 10_000 });
  await expect(lines.filter({ hasText: 'response:404' }).first().locator('.log-service')).toHaveText('web');
  await screen(page, '10-logs-live');

  // 8. Stop from the dashboard: the new state is pushed, within a second of Docker's last "die"
  await page.getByRole('tab', { name: 'Overview' }).click();
  const dies = await watchDies(`engawa-${name}`);
  await page.evaluate(() => {
    const w = window as unknown as { __stoppedAt?: number };
    new MutationObserver((_, observer) => {
      if (document.querySelector('.instance-header .state[data-state="stopped"]')) {
        w.__stoppedAt = Date.now();
        observer.disconnect();
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
  });
  const clickedAt = Date.now();
  await header.getByRole('button', { name: 'Stop' }).click();
  await expect(header.locator('.state')).toHaveAttribute('data-state', 'stopped', { timeout: 60_000 });
  const seenAt = Date.now();
  dies.stop();
  const stoppedAt = await page.evaluate(() => (window as unknown as { __stoppedAt?: number }).__stoppedAt ?? 0);
  expect(dies.times).toHaveLength(3);
  const lastDie = Math.max(...dies.times);
  expect(stoppedAt - lastDie).toBeLessThan(1000);
  // it came as an event, not as the answer to a question the page asked
  const window_ = frames.filter((f) => f.at >= clickedAt && f.at <= seenAt);
  const pushed = window_.filter((f) => f.dir === 'received' && f.data.event === 'instance.state' && f.data.payload?.name === name);
  expect(pushed.map((f) => f.data.payload?.state)).toContain('stopped');
  expect(window_.filter((f) => f.dir === 'sent' && f.data.method === 'instances.list')).toEqual([]);
  const statusAsks = window_.filter((f) => f.dir === 'sent' && f.data.method === 'instances.status').length;
  const opEnds = window_.filter((f) => f.dir === 'received' && f.data.event === 'op.done').length;
  expect(statusAsks).toBeLessThanOrEqual(pushed.length + opEnds); // one read per pushed change, no loop
  for (const service of ['db', 'redis', 'web']) await expect(page.locator(`tr[data-service="${service}"]`)).toHaveAttribute('data-state', 'exited');
  await expect(page.getByText('Start the server to see its CPU and memory use.')).toBeVisible();
  await screen(page, '11-stopped');

  // 9. Japanese: the dashboard follows at once
  await page.locator('.top-bar').getByRole('button', { name: '日本語' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'ja');
  await expect(header.locator('.state')).toHaveText('停止中');
  await expect(page.getByRole('tab', { name: '概要' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tab', { name: 'ログ' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'サービス' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'アドレス' })).toBeVisible();
  await expect(header.getByRole('button', { name: '起動', exact: true })).toBeEnabled();
  await expect(page.locator(`tr[data-service="web"]`)).toContainText('停止');
  await screen(page, '12-japanese');

  expect(problems).toEqual([]);
});

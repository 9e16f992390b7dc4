/**
 * The Cloudflare Tunnel end to end, against the real core on the test engine (`npm run serve`, see
 * playwright.config.ts) and a fake Cloudflare: the fake API (test/stubs/cloudflare/fake-api.ts)
 * and a loopback edge (edge.ts) that routes public host names through the ingress Engawa wrote to
 * the instance, both on the fixed ports the host was told (host.ts); cloudflared is its stand-in.
 *
 * In English, the wizard's "Connect Cloudflare (API token)": the token page link, a wrong token
 * refused with a clear message and nothing made at Cloudflare, then the right token, the domain
 * list, the public address from the domain, creation; the dashboard shows the https address and
 * the tunnel's health, unhealthy until the fake reports connectors, healthy on "Check again".
 * The create flow's last screen and the dashboard's "Can the world reach it?" card check the server
 * from the outside through a Cloudflare-like front before the edge (test/stubs/cloudflare/front.ts):
 * one item fails while Cloudflare has no connector, all pass after, and a WAF block injected at the
 * front turns that one item red with its fix, in English and in Japanese.
 * Neither token is in the page's storage, its DOM, what the host sent it, or the host's output.
 * Destroying the instance removes the tunnel and our DNS record at the fake, and nothing else.
 * Screenshots go to test-results/screens/.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import Dockerode from 'dockerode';
import { startEdge, type Edge } from '../stubs/cloudflare/edge';
import { startFront, type Front } from '../stubs/cloudflare/front';
import { FakeCloudflare, type FakeDnsRecord } from '../stubs/cloudflare/fake-api';
import { buildStandin } from '../stubs/cloudflare/standin';
import { E2E_CLOUDFLARE_PORT, E2E_EDGE_PORT, E2E_EDGE_URL, E2E_FRONT_PORT, E2E_HOST_LOG, E2E_URL, hostApi } from './host';
import { expect, test } from './fixtures';
import { screen } from './screens';

const name = `tun-${randomBytes(3).toString('hex')}`;
const domain = `${name}.example.com`;
const ZONE = 'example.com';

let fake: FakeCloudflare;
let edge: Edge;
let front: Front;
let apiToken = '';
/** the instance's web port on 127.0.0.1, once it exists (where the edge sends http://web:8080) */
let webPort: number | undefined;

function docker(): Dockerode {
  const host = process.env.DOCKER_HOST ?? '';
  if (!host.startsWith('unix://')) throw new Error('The end-to-end tests need DOCKER_HOST=unix://… (see scripts/test-engine.sh)');
  return new Dockerode({ socketPath: host.slice('unix://'.length) });
}

/** GET through the loopback edge with a public Host header. */
function viaEdge(host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${E2E_EDGE_URL}${path}`, { headers: { host } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** Destroys the instance through the host's API, if it exists. */
async function destroyInstance(): Promise<void> {
  const { api, ended, close } = await hostApi();
  try {
    if ((await api.call('instances.list')).some((i) => i.name === name)) {
      const { opId } = await api.call('instances.destroy', { name });
      expect(await ended(opId)).not.toHaveProperty('error');
    }
  } finally {
    close();
  }
}

test.use({ locale: 'en-US' });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  await buildStandin(docker());
  fake = await FakeCloudflare.start({ port: E2E_CLOUDFLARE_PORT });
  apiToken = fake.addToken();
  fake.addZone(ZONE);
  fake.addZone('pending.example', 'pending');
  const live = () => fake.liveTunnels()[0];
  edge = await startEdge({
    port: E2E_EDGE_PORT,
    rules: () => live()?.config?.ingress ?? [],
    resolve: (service) => (service.hostname === 'web' && service.port === '8080' && webPort !== undefined ? { host: '127.0.0.1', port: webPort } : undefined),
    connected: () => (live()?.connections.length ?? 0) > 0,
  });
  front = await startFront({ upstream: { forward: E2E_EDGE_URL }, port: E2E_FRONT_PORT });
});

test.afterAll(async () => {
  test.setTimeout(120_000);
  try {
    if (fake !== undefined) await destroyInstance(); // needs the fake: the tunnel is torn down there
    const { api, close } = await hostApi();
    try {
      await api.call('settings.set', { language: null });
    } finally {
      close();
    }
  } finally {
    await front?.close();
    await edge?.close();
    await fake?.close();
  }
});

test('Connect Cloudflare with an API token: wizard, public URL, tunnel health, no token leaks, teardown', async ({ page, problems }) => {
  test.setTimeout(300_000);
  const received: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => received.push(String(f.payload))));
  const foreign: FakeDnsRecord = fake.addDnsRecord(ZONE, { type: 'A', name: `www.${ZONE}`, content: '192.0.2.10' });

  // 1. To the tunnel step, in English
  await page.goto(E2E_URL);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welcome to Engawa');
  await page.locator('.choice-row').getByRole('button', { name: 'English' }).click();
  await page.getByRole('button', { name: 'Get started' }).click();
  await expect(page.getByText(/^Docker .+ is running/)).toBeVisible({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Next' }).click();
  await page.locator('.stack-card').filter({ hasText: 'Test web stack' }).getByRole('radio').check();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel('Domain', { exact: true }).fill(domain);
  await page.getByLabel('Name in Engawa').fill(name);
  await page.getByRole('button', { name: 'Next' }).click();

  // 2. Connect Cloudflare (API token): the pre-filled token page and the checklist
  await page.getByRole('radio', { name: /Connect Cloudflare \(API token/ }).check();
  const tokenPage = page.getByTestId('token-page');
  await expect(tokenPage).toHaveText("Open Cloudflare's token page");
  await expect(tokenPage).toHaveAttribute('href', /^https:\/\/dash\.cloudflare\.com\/profile\/api-tokens\?permissionGroupKeys=/);
  await expect(tokenPage).toHaveAttribute('target', '_blank');
  await expect(page.locator('.checklist li')).toHaveText(['Account → Cloudflare Tunnel → Edit', 'Zone → DNS → Edit', 'Zone → Zone → Read']);
  await expect(page.getByTestId('token-scope')).toContainText('Include → Specific zone → the domain of this server');
  const next = page.getByRole('button', { name: 'Next' });
  await expect(page.getByTestId('tunnel-problem')).toHaveText('Paste your Cloudflare API token to go on.');
  await expect(next).toBeDisabled();

  // 3. A wrong token: refused in plain words, the wizard cannot go on, nothing made at Cloudflare
  const tokenField = page.getByLabel('Cloudflare API token');
  await tokenField.fill(`wrong-${randomBytes(20).toString('base64url')}`);
  await page.getByRole('button', { name: 'Check the token' }).click();
  const refused = page.getByTestId('bad-token');
  await expect(refused).toHaveAttribute('role', 'alert');
  await expect(refused.locator('.notice-title')).toHaveText('Cloudflare did not accept this API token');
  await expect(refused).toContainText('create a new token, and paste it here');
  await expect(page.getByLabel('Your domain at Cloudflare')).toHaveCount(0);
  await expect(page.getByTestId('tunnel-problem')).toHaveText('Check the token to go on.');
  await expect(next).toBeDisabled();
  expect(fake.requests.filter((r) => r.path === '/user/tokens/verify').map((r) => r.status)).toEqual([401]);
  expect(fake.changes()).toEqual([]);
  await screen(page, 'tunnel-01-wrong-token');

  // 4. The right token: its domains (a pending one marked), the domain chosen, the address from it
  await tokenField.fill(apiToken);
  await page.getByRole('button', { name: 'Check the token' }).click();
  const zones = page.getByLabel('Your domain at Cloudflare');
  await expect(zones.locator('option')).toHaveText([ZONE, 'pending.example (not active yet)']);
  await expect(refused).toHaveCount(0);
  // it works, but reaches two domains: the advice to narrow it (not a refusal)
  await expect(page.getByTestId('broad-token').locator('.notice-title')).toHaveText('This token reaches 2 domains');
  await zones.selectOption(ZONE);
  await expect(page.getByLabel('Public address')).toHaveValue(domain);
  await expect(page.getByText(`Your server will be at https://${domain}`, { exact: true })).toBeVisible();
  await expect(page.getByText(/The domain cannot be changed later/)).toBeVisible();
  await expect(page.getByTestId('tunnel-problem')).toHaveCount(0);
  expect(fake.changes()).toEqual([]); // checking the token made nothing
  await screen(page, 'tunnel-02-api-token');
  await next.click();

  // 5. Create: the tunnel, its ingress and our DNS record at the fake, the connector healthy
  await expect(page.locator('.summary')).toContainText('Test web stack');
  await page.getByRole('button', { name: 'Create my server' }).click();
  await expect(page.getByRole('heading', { name: 'Your server is ready' })).toBeVisible({ timeout: 180_000 });
  const localUrl = (await page.getByTestId('local-url').getAttribute('href')) ?? '';
  webPort = Number(new URL(localUrl).port);
  const [tunnel, ...others] = fake.liveTunnels();
  expect(others).toEqual([]);
  expect(tunnel?.config?.ingress).toEqual([{ hostname: domain, service: 'http://web:8080' }, { service: 'http_status:404' }]);
  expect(fake.dns.filter((r) => r !== foreign).map((r) => [r.name, r.content, r.proxied])).toEqual([[domain, `${tunnel!.id}.cfargotunnel.com`, true]]);
  // the last screen checks the new server from the outside at once: Cloudflare has no connector
  // yet, so exactly one item fails (the tunnel, not a cascade), with its fix
  const created = page.getByTestId('check-card');
  await expect(created.getByTestId('check-result')).toHaveAttribute('data-ok', 'false', { timeout: 60_000 });
  await expect(created.locator('[data-testid="check-item"][data-pass="false"]')).toHaveCount(1);
  const down = created.locator('[data-testid="check-item"][data-id="tunnel"]');
  await expect(down.getByTestId('check-advice')).toHaveText(/^Cloudflare cannot reach this computer\. Start the server so its connector runs/);
  await expect(created).toContainText('a new DNS record can take a few minutes');
  expect(front.requests.length).toBeGreaterThan(0);
  expect(front.requests.every((r) => r.host === domain)).toBe(true);
  await screen(page, 'tunnel-03-created');
  await page.getByRole('button', { name: 'Go to the dashboard' }).click();

  // 6. Dashboard: the public address, and the tunnel's health before Cloudflare sees a connector …
  await expect(page.getByTestId('dashboard-public-url')).toHaveAttribute('href', `https://${domain}`);
  const card = page.getByTestId('tunnel-card');
  const verdict = card.getByTestId('tunnel-verdict');
  await expect(verdict).toHaveAttribute('data-ok', 'false', { timeout: 30_000 });
  await expect(card.locator('[data-problem="tunnel-down"]')).toBeVisible();
  await expect(card.locator('[data-problem="connector-offline"]')).toContainText('Cloudflare cannot reach this computer.');
  await expect(card).toContainText('inactive, 0 connection(s)');
  await screen(page, 'tunnel-04-not-connected');

  // … and after it does, on "Check again": all three signals good
  fake.connect(tunnel!.id);
  await card.getByRole('button', { name: 'Check again' }).click();
  await expect(verdict).toHaveAttribute('data-ok', 'true');
  await expect(verdict).toHaveText('Reachable from the internet');
  await expect(card).toContainText('Running · Healthy');
  await expect(card).toContainText('healthy, 4 connection(s)');
  await expect(card).toContainText('Answers');
  await expect(card.locator('[data-problem]')).toHaveCount(0);
  // the public host reaches the instance through the ingress Engawa wrote; other hosts do not
  expect((await viaEdge(domain, '/')).body).toContain(`Hello from ${domain}`);
  expect((await viaEdge(`other.${ZONE}`, '/')).status).toBe(404);
  await screen(page, 'tunnel-05-healthy');

  // 6b. "Can the world reach it?": the last check (from creation) until "Check now", then every item
  // passes but the certificate (plain HTTP here: not checked); a request and its answer behind Details
  const check = page.getByTestId('check-card');
  await expect(check.getByTestId('check-result')).toHaveAttribute('data-ok', 'false');
  await check.getByRole('button', { name: 'Check now' }).click();
  await expect(check.getByTestId('check-result')).toHaveAttribute('data-ok', 'true', { timeout: 60_000 });
  await expect(check.getByTestId('check-summary')).toHaveText(`Nothing failed: other servers and apps can reach https://${domain}.`);
  await expect(check.locator('[data-testid="check-item"][data-pass="false"]')).toHaveCount(0);
  await expect(check.locator(`[data-testid="check-item"][data-id="certificate:${domain}"]`)).toHaveAttribute('data-pass', 'unknown');
  const tunnelItem = check.locator('[data-testid="check-item"][data-id="tunnel"]');
  await expect(tunnelItem).toContainText('The tunnel reaches the server');
  const details = tunnelItem.getByTestId('check-details');
  await details.locator('summary').click();
  await expect(details).toContainText(`GET https://${domain}/`);
  await expect(details).toContainText('(as a browser)');
  await expect(details).toContainText('HTTP 200');
  await expect(check.locator('[data-testid="check-item"][data-id="upload-limit"] [data-testid="check-advice"]')).toContainText('100 MB');
  await screen(page, 'tunnel-06-check-passed');

  // a WAF rule at the front blocks everything: that item turns red with its fix, in Japanese too
  front.inject({ kind: 'waf-block' });
  await check.getByRole('button', { name: 'Check now' }).click();
  await expect(check.getByTestId('check-result')).toHaveAttribute('data-ok', 'false', { timeout: 60_000 });
  const blocked = check.locator('[data-testid="check-item"][data-pass="false"]');
  await expect(blocked).toHaveCount(1);
  await expect(blocked.getByTestId('check-advice')).toHaveText(/^Cloudflare blocks requests \(HTTP 403\) before they reach the server\./);
  {
    const { api, close } = await hostApi();
    try {
      await api.call('settings.set', { language: 'ja' });
    } finally {
      close();
    }
  }
  await expect(check.getByRole('heading', { name: '外から届いていますか？' })).toBeVisible();
  await expect(check.getByTestId('check-summary')).toHaveText('問題が 1 件あります。それぞれに直し方を示しています。');
  await expect(blocked.getByTestId('check-advice')).toHaveText(/^リクエストがサーバーに届く前に Cloudflare にブロック（HTTP 403）されています。/);
  await screen(page, 'tunnel-07-check-waf-ja');
  front.inject(null);
  await check.getByRole('button', { name: '今すぐ確認' }).click();
  await expect(check.getByTestId('check-result')).toHaveAttribute('data-ok', 'true', { timeout: 60_000 });
  {
    const { api, close } = await hostApi();
    try {
      await api.call('settings.set', { language: 'en' });
    } finally {
      close();
    }
  }
  await expect(check.getByRole('heading', { name: 'Can the world reach it?' })).toBeVisible();

  // 7. Neither token anywhere the page keeps things, in what the host sent it, or in the host's output
  const fetched = fake.requests.filter((r) => r.path === `/accounts/${fake.account.id}/cfd_tunnel/${tunnel!.id}/token` && r.status === 200);
  expect(fetched).toHaveLength(1); // the host did hold the connector token
  const connectorToken = Buffer.from(JSON.stringify({ a: tunnel!.account_id, t: tunnel!.id, s: tunnel!.secret })).toString('base64');
  const stored = await page.evaluate(() => {
    const dump = (s: Storage) => Array.from({ length: s.length }, (_, i) => `${s.key(i)}=${s.getItem(s.key(i) ?? '')}`).join('\n');
    return `${dump(localStorage)}\n${dump(sessionStorage)}`;
  });
  const cookies = JSON.stringify(await page.context().cookies());
  const dom = await page.content();
  const hostLog = await readFile(E2E_HOST_LOG, 'utf8');
  expect(dom).toContain(domain); // the scans read real text
  expect(received.join('\n')).toContain(domain);
  expect(hostLog).toContain('Engawa is ready');
  for (const [where, text] of Object.entries({ stored, cookies, dom, received: received.join('\n'), hostLog })) {
    for (const token of [apiToken, connectorToken]) expect(text.includes(token), `a token in ${where}`).toBe(false);
  }

  // 8. Destroy: the tunnel and our DNS record go; the record someone else made stays
  await destroyInstance();
  expect(fake.liveTunnels()).toEqual([]);
  expect(fake.dns).toEqual([foreign]);
  expect(problems).toEqual([]);
});

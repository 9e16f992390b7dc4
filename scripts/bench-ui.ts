/**
 * `npm run bench` (UI part): what the renderer costs.
 * 1. The renderer's JavaScript, gzipped (aim: ≤ 250 KB).
 * 2. Page load → interactive dashboard in headless Chromium, with a running instance of the test
 *    recipe: from navigation start until every service shows "running" and Stop can be clicked
 *    (median of BENCH_UI_LOADS runs, default 5).
 * 3. The browser-mode host's CPU over BENCH_UI_IDLE_S seconds (default 60) with that instance
 *    running, read from /proc/<pid>/stat of the host process: once with no page open (aim: near
 *    zero; nothing is polled) and once with the dashboard open (it samples stats every 5 s while
 *    visible).
 *
 * Uses the engine at DOCKER_HOST, or starts the private test engine (scripts/test-engine.sh).
 * Linux only (/proc); Chromium at CHROMIUM_PATH (default /usr/bin/chromium).
 */
import { LOCAL_IMAGES } from '../test/integration/helpers';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser } from '@playwright/test';
import WebSocket from 'ws';
import type { ApiEvents } from '../electron/shared/contract';
import { createApi, type EngawaApi } from '../renderer/src/api/client';
import { createWsTransport } from '../renderer/src/api/ws-client';

const repo = path.resolve(import.meta.dirname, '..');
const LOADS = Number(process.env.BENCH_UI_LOADS ?? 5);
const IDLE_S = Number(process.env.BENCH_UI_IDLE_S ?? 60);
const PORT = Number(process.env.BENCH_UI_PORT ?? 4329);
const TOKEN = randomBytes(16).toString('hex');
/** The test recipe's images (and the probe container's) → the local test images. */
const IMAGES = LOCAL_IMAGES;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Builds the renderer and sums its JavaScript, raw and gzipped. */
async function rendererSize(): Promise<{ raw: number; gzip: number }> {
  sh('npx', ['vite', 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn']);
  const dir = path.join(repo, 'dist/renderer/assets');
  let raw = 0;
  let gzip = 0;
  for (const f of (await readdir(dir)).filter((x) => x.endsWith('.js'))) {
    const body = await readFile(path.join(dir, f));
    raw += body.length;
    gzip += gzipSync(body, { level: 9 }).length;
  }
  return { raw, gzip };
}

/** The host as `npm run serve` runs it, in ONE process (node --import tsx), so /proc shows all its CPU. */
async function startHost(home: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/serve.ts'], {
    cwd: repo,
    env: {
      ...process.env,
      ENGAWA_HOME: home,
      ENGAWA_RECIPES: path.join(repo, 'test/fixtures/recipes/test-web.json'),
      ENGAWA_IMAGES: JSON.stringify(IMAGES),
      ENGAWA_SERVE_PORT: String(PORT),
      ENGAWA_SERVE_TOKEN: TOKEN,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Engawa is ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the host exited (${code}):\n${out}`)));
  });
  return child;
}

async function connect(): Promise<{ api: EngawaApi; close: () => void; end: (opId: string) => Promise<ApiEvents['op.done'] | ApiEvents['op.failed']> }> {
  const transport = createWsTransport({
    url: `ws://127.0.0.1:${PORT}/api?token=${TOKEN}`,
    connect: (url) => new WebSocket(url, { origin: `http://127.0.0.1:${PORT}` }) as never,
  });
  await new Promise<void>((resolve) => {
    const off = transport.onConnection((up) => up && (off(), resolve()));
  });
  const waiting = new Map<string, (e: ApiEvents['op.done'] | ApiEvents['op.failed']) => void>();
  transport.on('op.done', (e) => waiting.get(e.opId)?.(e));
  transport.on('op.failed', (e) => waiting.get(e.opId)?.(e));
  return { api: createApi(transport), close: () => transport.close(), end: (opId) => new Promise((r) => waiting.set(opId, r)) };
}

/** utime + stime of a process, in seconds. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // fields 14 and 15 of proc(5)
}

async function hostCpuPercent(pid: number, seconds: number): Promise<number> {
  const before = await cpuSeconds(pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const wall = (performance.now() - t0) / 1000;
  return (((await cpuSeconds(pid)) - before) / wall) * 100;
}

/** Milliseconds from navigation start until the dashboard shows every service running and Stop is enabled. */
async function timeToDashboard(browser: Browser): Promise<number> {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  // plain text, not a function: tsx would wrap named functions in a helper the page does not have
  await page.addInitScript({
    content: `new MutationObserver((_, observer) => {
      const rows = [...document.querySelectorAll('tr[data-service]')];
      const stop = [...document.querySelectorAll('.instance-actions button')].find((b) => b.textContent === 'Stop');
      if (rows.length > 0 && rows.every((r) => r.getAttribute('data-state') === 'running') && stop && !stop.disabled) {
        window.__readyAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { subtree: true, childList: true, attributes: true });`,
  });
  await page.goto(`http://127.0.0.1:${PORT}/?token=${TOKEN}`);
  const handle = await page
    .waitForFunction(() => (window as unknown as { __readyAt?: number }).__readyAt, undefined, { timeout: 30_000 })
    .catch(async (e: unknown) => {
      throw new Error(`the dashboard did not become interactive: ${(e as Error).message}\n${await page.locator('body').innerText()}`);
    });
  const ms = (await handle.jsonValue()) as number;
  await context.close();
  return ms;
}

async function main(): Promise<void> {
  if (process.platform !== 'linux') throw new Error('bench-ui reads /proc: run it on Linux.');
  let startedEngine = false;
  if (!process.env.DOCKER_HOST) {
    process.env.DOCKER_HOST = /DOCKER_HOST=(\S+)/.exec(sh('bash', ['scripts/test-engine.sh', 'start']))?.[1];
    startedEngine = true;
  }
  const home = await mkdtemp(path.join(os.tmpdir(), 'engawa-bench-ui-'));
  const name = `bench-ui-${randomBytes(3).toString('hex')}`;
  let host: ChildProcess | undefined;
  let client: Awaited<ReturnType<typeof connect>> | undefined;
  let browser: Browser | undefined;
  try {
    sh('bash', ['scripts/build-test-images.sh']);
    const size = await rendererSize();
    console.log(`renderer JS: ${(size.gzip / 1024).toFixed(1)} KB gzipped (${(size.raw / 1024).toFixed(1)} KB raw; aim ≤ 250 KB gzipped)`);

    host = await startHost(home);
    client = await connect();
    const { opId } = await client.api.call('instances.create', { stack: 'test-web', name, domain: `${name}.example.com` });
    const created = await client.end(opId);
    if ('error' in created) throw new Error(`create failed: ${created.error.message}`);

    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
    const loads: number[] = [];
    for (let i = 0; i < LOADS; i++) loads.push(await timeToDashboard(browser));
    console.log(`page load → interactive dashboard: median ${median(loads).toFixed(0)} ms (runs: ${loads.map((x) => x.toFixed(0)).join(', ')} ms)`);

    client.close();
    client = undefined;
    await new Promise((r) => setTimeout(r, 2000)); // let the last answers settle
    const idle = await hostCpuPercent(host.pid!, IDLE_S);
    console.log(`host CPU, instance running, no page open: ${idle.toFixed(2)}% of one core over ${IDLE_S} s (aim: near zero)`);

    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${PORT}/?token=${TOKEN}`);
    await page.getByTestId('memory-total').waitFor({ timeout: 30_000 });
    const watching = await hostCpuPercent(host.pid!, IDLE_S);
    console.log(`host CPU, instance running, dashboard open (stats every 5 s): ${watching.toFixed(2)}% of one core over ${IDLE_S} s`);
    await context.close();
  } finally {
    await browser?.close();
    client?.close();
    if (host) {
      const cleanup = await connect().catch(() => undefined);
      if (cleanup) {
        const list = await cleanup.api.call('instances.list').catch(() => []);
        if (list.some((i) => i.name === name)) {
          const { opId } = await cleanup.api.call('instances.destroy', { name });
          await cleanup.end(opId);
        }
        cleanup.close();
      }
      host.kill('SIGTERM');
    }
    await rm(home, { recursive: true, force: true });
    if (startedEngine) sh('bash', ['scripts/test-engine.sh', 'stop']);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`bench-ui: ${(e as Error).stack ?? String(e)}`);
    process.exit(1);
  },
);

/**
 * `npm run bench` (watchdog part): what keeping a home server up costs while nothing happens. Host
 * CPU over BENCH_WATCH_S seconds (default 60), from /proc/stat (all cores, in % of one core), with
 * one running instance — a one-service stack with a health check, as a stand-in — and the core
 * running as the shells run it: first with the day-two timers off (no `watch`, no `clock`), then on
 * (`watch` and `clock` as browser-host.ts and start-app.ts pass them). Prints both, the difference
 * and this process's own CPU for each (free of other load on the machine); aim: the difference is
 * under 0.2 % of a core. The watchdog is event-driven and its timers are slow, so it should barely
 * register. Linux only (/proc/stat).
 *
 * Uses the engine at DOCKER_HOST, or starts the private test engine (scripts/test-engine.sh).
 */
import { LOCAL_IMAGES, TEST_RECIPE } from '../test/integration/helpers';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCore, type EngawaCore } from '../electron/core/api/create-core';
import { SettingsStore } from '../electron/core/api/settings';
import { createServices } from '../electron/core/api/wiring';
import { runCli } from '../electron/core/cli/run';
import { FileSecretStore } from '../electron/core/instances';
import { useBenchEngine } from './bench-engine';

const SECONDS = Number(process.env.BENCH_WATCH_S ?? 60);
/**
 * The start-up work is not idle and is left out: the watchdog's first scan, the disk guard's first
 * measurement (at start) and the clock's first reading (a minute after start, api/clock.ts). After
 * that they measure every 10 minutes and every 4 hours, outside a 60 s window.
 */
const WARMUP_MS = Number(process.env.BENCH_WATCH_WARMUP_S ?? 75) * 1000;
const AIM = 0.2;

/** Busy and total jiffies of all cores (the first line of /proc/stat). */
async function cpuTimes(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  const idleAll = idle! + iowait!;
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy, total: busy + idleAll };
}

/** Host CPU and this process's CPU over `seconds`, in % of one core. */
async function measure(seconds: number): Promise<{ host: number; self: number }> {
  const cores = os.cpus().length;
  const a = await cpuTimes();
  const selfA = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const b = await cpuTimes();
  const self = process.cpuUsage(selfA);
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
  return { host: ((b.busy - a.busy) / (b.total - a.total)) * cores * 100, self: ((self.user + self.system) / wallUs) * 100 };
}

/** The stand-in: the test stack cut down to its web service, health-checked every 30 s. */
async function writeRecipe(file: string): Promise<void> {
  const base = JSON.parse(await readFile(TEST_RECIPE, 'utf8')) as Record<string, unknown> & { services: Record<string, unknown>[] };
  const web = base.services.find((s) => s.name === 'web')!;
  const recipe = {
    ...base,
    id: 'bench-watch',
    name: 'Watchdog bench stack',
    secrets: [],
    volumes: [],
    services: [
      {
        name: 'web',
        image: 'docker.io/library/busybox:1',
        command: ['httpd', '-f', '-p', '8080', '-h', '/www'],
        ports: web.ports,
        files: web.files,
        healthcheck: { test: ['CMD-SHELL', 'test -f /www/health'], intervalMs: 30_000, timeoutMs: 5000, retries: 3, startPeriodMs: 0 },
        stopTimeoutS: 2,
      },
    ],
    setup: [],
    backup: {},
  };
  await writeFile(file, JSON.stringify(recipe));
}

async function cli(home: string, env: Record<string, string | undefined>, args: string[]): Promise<void> {
  let err = '';
  const code = await runCli(args, { stdout: () => {}, stderr: (s) => (err += s), env: { ...env, ENGAWA_HOME: home } });
  if (code !== 0) throw new Error(`engawa ${args.join(' ')} failed:\n${err}`);
}

async function main(): Promise<void> {
  const engine = useBenchEngine();
  const home = await mkdtemp(path.join(os.tmpdir(), 'engawa-bench-watch-'));
  const recipeFile = path.join(home, 'bench-watch.json');
  const name = `bench-wd-${randomBytes(3).toString('hex')}`;
  const env = { DOCKER_HOST: process.env.DOCKER_HOST, HOME: process.env.HOME, ENGAWA_RECIPES: recipeFile, ENGAWA_IMAGES: JSON.stringify(LOCAL_IMAGES) };
  let core: EngawaCore | undefined;
  try {
    await writeRecipe(recipeFile);
    await cli(home, env, ['create', 'bench-watch', '--name', name, '--domain', `${name}.example.com`]);

    const secrets = new FileSecretStore(home);
    const startCore = async (dayTwo: boolean): Promise<EngawaCore> =>
      createCore({
        services: createServices({ home, env, images: LOCAL_IMAGES, recipeFiles: [recipeFile], secrets }),
        settings: await SettingsStore.open(home),
        info: { version: 'bench', platform: process.platform, shell: 'browser', systemLanguages: ['en'] },
        ...(dayTwo && { watch: { by: 'npm run bench', secrets }, clock: {} }),
      });

    const results: { label: string; host: number; self: number }[] = [];
    for (const dayTwo of [false, true]) {
      core = await startCore(dayTwo);
      await new Promise((r) => setTimeout(r, WARMUP_MS)); // the start-up work (see WARMUP_MS) is not idle
      const m = await measure(SECONDS);
      results.push({ label: dayTwo ? 'watchdog and clock on' : 'day-two timers off', ...m });
      await core.close();
      core = undefined;
    }
    const [off, on] = results as [(typeof results)[0], (typeof results)[0]];
    const diff = on.host - off.host;
    console.log(`watchdog idle CPU, one running instance, ${SECONDS} s each (${os.cpus().length} cores; % of one core)`);
    for (const r of results) console.log(`  ${r.label.padEnd(22)} host ${r.host.toFixed(2)} %   this process ${r.self.toFixed(3)} %`);
    console.log(`  difference             host ${diff.toFixed(2)} %   this process ${(on.self - off.self).toFixed(3)} %`);
    console.log(
      `  aim: the difference is under ${AIM} % of a core: ${diff < AIM ? 'met' : 'NOT met'} (host figures include whatever else runs on this machine)`,
    );
    console.log(
      `  not in the window: the start-up work (${WARMUP_MS / 1000} s warm-up), the disk guard's helper container every 10 min, the clock's every 4 h`,
    );
  } finally {
    await core?.close();
    await cli(home, env, ['destroy', name, '--yes']).catch((e: unknown) => console.error(String(e)));
    await rm(home, { recursive: true, force: true });
    engine.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

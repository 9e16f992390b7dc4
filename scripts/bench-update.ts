/**
 * `npm run bench` (update part): the downtime of an update of the test stack from release 1.0.0 to
 * 1.1.0 (the web service's environment changes, so web is recreated), on the same engine with the
 * same local images:
 *   Engawa:   `update` through the core (updateInstance, what `engawa update` runs): pull, a
 *             verified pre-update backup, then the switch. Its own downtimeMs (old containers
 *             stopped → new ones healthy), the same measured from Docker's events, and the backup's
 *             time from its progress steps;
 *   baseline: the instance's 1.0.0 export run by `docker-compose up -d`, switched to the 1.1.0
 *             export, then `docker-compose pull && docker-compose up -d`, downtime measured from
 *             Docker's events the same way (and health waited for by polling inspect).
 * Docker-side downtime: the first old service container's `die` (its State.FinishedAt) → the last
 * new service container's `health_status: healthy`. Medians of BENCH_UPDATE_RUNS (default 3) runs;
 * prints the ratio Engawa / docker-compose (aim ≤ 1.0: Engawa pulls and backs up before it stops
 * anything). The local images exist on no registry: the baseline's pull
 * (`docker-compose pull --ignore-pull-failures`) fails fast, before anything stops, and is ignored.
 *
 * Uses the engine at DOCKER_HOST, or starts the private test engine (scripts/test-engine.sh).
 */
import { cli, docker as testDocker, LOCAL_IMAGES, type CliResult } from '../test/integration/helpers';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { createServices } from '../electron/core/api/wiring';
import { withoutPassphrase } from '../electron/core/backup/passphrase';
import { FileSecretStore } from '../electron/core/instances';
import { LABELS } from '../electron/core/plan/types';
import type { Recipe, ServiceSpec } from '../electron/core/stacks/types';
import { updateInstance, type UpdateDeps } from '../electron/core/update/index';
import type { Progress } from '../electron/core/util/progress';
import { useBenchEngine } from './bench-engine';

const RUNS = Number(process.env.BENCH_UPDATE_RUNS ?? 3);
const FROM = '1.0.0';
const TO = '1.1.0';
const PASS = 'bench passphrase for engawa';
const repo = path.resolve(import.meta.dirname, '..');
const recipeFile = path.join(repo, 'test/fixtures/recipes/test-web.json');
/** The test recipe's images (and the probe container's) → the local test images. */
const images = LOCAL_IMAGES;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd = repo): string {
  const r = spawnSync(cmd, args, { env, cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

/** The test stack as release 1.0.0 plus a 1.1.0 whose web service gains APP_RELEASE (like the update tests' 'ok' catalogue). */
function catalogue(): Recipe {
  const r = JSON.parse(readFileSync(recipeFile, 'utf8')) as Recipe;
  const web = r.services.find((s) => s.name === 'web') as ServiceSpec;
  web.env = { ...web.env, APP_RELEASE: TO };
  r.version = TO;
  r.releases = [
    { version: TO, from: [FROM], notesUrl: `https://example.com/notes/${TO}` },
    { version: FROM, services: { web: { env: { APP_RELEASE: null } } } },
  ];
  return r;
}

function must(what: string, r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`engawa ${what} failed (${r.code}):\n${r.stderr}`);
  return r;
}

interface DockerEvent {
  id: string;
  action: string;
  /** ms since the epoch, from the event's timeNano */
  at: number;
  attributes: Record<string, string>;
}

/** Records the container events of `project` from now until stop(). */
async function recordEvents(docker: Dockerode, project: string): Promise<{ events: DockerEvent[]; stop: () => void }> {
  const stream = (await docker.getEvents({ filters: { type: ['container'], label: [`${LABELS.project}=${project}`] } })) as NodeJS.ReadableStream & {
    destroy: () => void;
  };
  const events: DockerEvent[] = [];
  let rest = '';
  stream.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines.filter((l) => l.trim() !== '')) {
      const e = JSON.parse(line) as { id: string; Action: string; timeNano: number; Actor?: { Attributes?: Record<string, string> } };
      events.push({ id: e.id, action: e.Action, at: e.timeNano / 1e6, attributes: e.Actor?.Attributes ?? {} });
    }
  });
  stream.on('error', () => undefined);
  return { events, stop: () => stream.destroy() };
}

/** The ids of the project's service containers (running or not). */
async function serviceIds(docker: Dockerode, project: string): Promise<Set<string>> {
  const cs = await docker.listContainers({ all: true, filters: { label: [`${LABELS.project}=${project}`, `${LABELS.role}=service`] } });
  return new Set(cs.map((c) => c.Id));
}

/**
 * Docker's downtime: the first old service container's death → the last new service container
 * turning healthy; also which services were recreated.
 */
function dockerDowntime(events: DockerEvent[], old: Set<string>): { ms: number; recreated: string[] } {
  const died = events.filter((e) => e.action === 'die' && old.has(e.id)).map((e) => e.at);
  const fresh = new Map<string, { service: string; healthy?: number }>();
  for (const e of events) {
    if (old.has(e.id) || e.attributes[LABELS.role] !== 'service') continue;
    if (e.action === 'create') fresh.set(e.id, { service: e.attributes[LABELS.service] ?? '?' });
    const c = fresh.get(e.id);
    if (c && c.healthy === undefined && e.action === 'health_status: healthy') c.healthy = e.at;
  }
  const healthy = [...fresh.values()].map((c) => c.healthy);
  if (died.length === 0 || fresh.size === 0 || healthy.some((h) => h === undefined)) {
    throw new Error(`Docker's events do not show old containers dying and new ones turning healthy:\n${JSON.stringify(events, null, 1)}`);
  }
  return { ms: Math.max(...(healthy as number[])) - Math.min(...died), recreated: [...fresh.values()].map((c) => c.service).sort() };
}

/** Polls inspect until the project has `count` service containers, every one healthy (or without a health check). */
async function waitHealthy(docker: Dockerode, project: string, count: number, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ids = [...(await serviceIds(docker, project))];
    const states = await Promise.all(
      ids.map((id) =>
        docker
          .getContainer(id)
          .inspect()
          .then((i) => i.State.Health?.Status ?? (i.State.Running ? 'none' : 'down')),
      ),
    );
    if (ids.length === count && states.every((s) => s === 'healthy' || s === 'none')) return;
    if (Date.now() > deadline) throw new Error(`${project} did not become healthy: ${states.join(', ')}`);
    await sleep(50);
  }
}

/** The web container runs the new release's environment (the switch really happened). */
async function assertOnNewRelease(docker: Dockerode, project: string): Promise<void> {
  const cs = await docker.listContainers({ filters: { label: [`${LABELS.project}=${project}`, `${LABELS.service}=web`, `${LABELS.role}=service`] } });
  const env = cs[0] ? ((await docker.getContainer(cs[0].Id).inspect()).Config.Env ?? []) : [];
  if (!env.includes(`APP_RELEASE=${TO}`)) throw new Error(`${project}: web does not run ${TO} after the update`);
}

interface EngawaRun {
  downtimeMs: number;
  dockerMs: number;
  backupMs: number;
  verifyMs: number;
  pullMs: number;
  totalMs: number;
  recreated: string[];
}

async function main(): Promise<void> {
  const engine = useBenchEngine();
  const work = await mkdtemp(path.join(os.tmpdir(), 'engawa-bench-update-'));
  const home = path.join(work, 'home');
  const prefix = `bench-up-${randomBytes(3).toString('hex')}`;
  const made: string[] = [];
  const composeDirs: string[] = [];
  const catalogueFile = path.join(work, 'test-web-1.1.0.json');
  const env = { ENGAWA_RECIPES: catalogueFile, ENGAWA_IMAGES: JSON.stringify(images) };
  const engawa = (...args: string[]) => cli(home, args, env).then((r) => must(args.join(' '), r));
  try {
    sh('bash', ['scripts/build-test-images.sh']);
    if (!spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).stdout) {
      throw new Error('docker-compose is not installed (Debian: apt-get install docker-compose)');
    }
    await writeFile(catalogueFile, JSON.stringify(catalogue(), null, 2));
    const docker = testDocker();
    const secrets = new FileSecretStore(home);
    const services = createServices({
      home,
      env: { ...process.env, ENGAWA_HOME: home, ...env },
      images,
      recipeFiles: [catalogueFile],
      secrets,
    });
    const deps: UpdateDeps = {
      home,
      docker,
      engine: await services.engine(),
      manager: services.manager,
      secrets: withoutPassphrase(secrets),
      recipes: services.recipes,
      images,
    };
    const export100 = path.join(work, `export-${FROM}`);
    const export110 = path.join(work, `export-${TO}`);
    const serviceCount = catalogue().services.length;

    // Engawa: a fresh instance on 1.0.0 each run, updated to 1.1.0 through the core
    const engawaRuns: EngawaRun[] = [];
    for (let i = 0; i < RUNS; i++) {
      const name = `${prefix}-${i}`;
      const project = `engawa-${name}`;
      made.push(name);
      await engawa('create', 'test-web', '--name', name, '--domain', `${name}.example.com`, '--version', FROM);
      if (i === 0) await engawa('export', name, '--compose', export100);
      const old = await serviceIds(docker, project);
      const rec = await recordEvents(docker, project);
      const steps = new Map<string, { start: number; end?: number }>();
      const onProgress = (p: Progress) => {
        if (p.kind !== 'step') return;
        if (p.state === 'start') steps.set(p.step, { start: performance.now() });
        else if (p.state === 'done') (steps.get(p.step) ?? { start: NaN }).end = performance.now();
      };
      const t = performance.now();
      const r = await updateInstance(deps, name, { passphrase: PASS, onProgress });
      const totalMs = performance.now() - t;
      await sleep(300); // the last events on their way
      rec.stop();
      if (!r.updated || r.to !== TO) throw new Error(`engawa update ${name}: ${JSON.stringify(r)}`);
      await assertOnNewRelease(docker, project);
      const took = (step: string): number => {
        const s = steps.get(step);
        if (s?.end === undefined) throw new Error(`the update reported no finished step "${step}" (${[...steps.keys()].join(', ')})`);
        return s.end - s.start;
      };
      const side = dockerDowntime(rec.events, old);
      console.log(`engawa run ${i + 1}: downtime ${r.downtimeMs} ms (Docker ${side.ms.toFixed(0)} ms), whole update ${totalMs.toFixed(0)} ms`);
      engawaRuns.push({
        downtimeMs: r.downtimeMs,
        dockerMs: side.ms,
        backupMs: took(`Back up before the update to ${TO}`),
        verifyMs: took('Check the backup'),
        pullMs: took('Download the new release'),
        totalMs,
        recreated: side.recreated,
      });
      if (i === 0) await engawa('export', name, '--compose', export110);
      await engawa('destroy', name, '--yes');
      made.pop();
    }

    // Baseline: the 1.0.0 export up, switched to the 1.1.0 export, `pull && up -d`
    const project = `engawa-${prefix}-0`; // the exports' COMPOSE_PROJECT_NAME
    const composeRuns: { dockerMs: number; totalMs: number; recreated: string[] }[] = [];
    let pullFailed = false;
    for (let i = 0; i < RUNS; i++) {
      const dir = path.join(work, `compose-${i}`);
      await cp(export100, dir, { recursive: true });
      composeDirs.push(dir);
      const compose = (...args: string[]) => sh('docker-compose', args, process.env, dir);
      compose('up', '-d');
      await waitHealthy(docker, project, serviceCount);
      const old = await serviceIds(docker, project);
      await cp(export110, dir, { recursive: true, force: true });
      const rec = await recordEvents(docker, project);
      const t = performance.now();
      // the local images are on no registry: the pull fails (fast, before anything stops), as a pull of unchanged images would do nothing
      pullFailed ||= spawnSync('docker-compose', ['pull', '--ignore-pull-failures', '--quiet'], { cwd: dir, encoding: 'utf8' }).status !== 0;
      compose('up', '-d');
      await waitHealthy(docker, project, serviceCount);
      const totalMs = performance.now() - t;
      await sleep(300);
      rec.stop();
      await assertOnNewRelease(docker, project);
      const side = dockerDowntime(rec.events, old);
      console.log(`docker-compose run ${i + 1}: downtime (Docker) ${side.ms.toFixed(0)} ms, pull && up -d → healthy ${totalMs.toFixed(0)} ms`);
      composeRuns.push({ dockerMs: side.ms, totalMs, recreated: side.recreated });
      compose('down', '-v');
      composeDirs.pop();
    }

    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const runs = (xs: number[]) => `(runs: ${xs.map((x) => (x / 1000).toFixed(2)).join(', ')})`;
    const med = <T>(xs: T[], f: (x: T) => number) => median(xs.map(f));
    const eOwn = med(engawaRuns, (r) => r.downtimeMs);
    const eDocker = med(engawaRuns, (r) => r.dockerMs);
    const cDocker = med(composeRuns, (r) => r.dockerMs);
    console.log(`\nupdate ${FROM} → ${TO} of the test stack (web's environment changes), runs: ${RUNS} (median)`);
    const line = (label: string, value: string) => console.log(`  ${`${label}:`.padEnd(57)} ${value}`);
    line('recreated', `engawa ${engawaRuns[0]?.recreated.join(', ')}; docker-compose ${composeRuns[0]?.recreated.join(', ')}`);
    line('engawa update, downtime (its downtimeMs)', `${s(eOwn)} ${runs(engawaRuns.map((r) => r.downtimeMs))}`);
    line('engawa update, downtime (Docker: old died → new healthy)', `${s(eDocker)} ${runs(engawaRuns.map((r) => r.dockerMs))}`);
    line(
      'engawa pre-update backup (while still serving)',
      `${s(med(engawaRuns, (r) => r.backupMs))} written + ${s(med(engawaRuns, (r) => r.verifyMs))} checked; ` +
        `pull ${s(med(engawaRuns, (r) => r.pullMs))}; whole update ${s(med(engawaRuns, (r) => r.totalMs))}`,
    );
    line('docker-compose pull && up -d, downtime (Docker: same)', `${s(cDocker)} ${runs(composeRuns.map((r) => r.dockerMs))}`);
    line(
      'docker-compose pull && up -d → all healthy',
      `${s(med(composeRuns, (r) => r.totalMs))}${pullFailed ? ' (its pull failed: the local images are on no registry)' : ''}`,
    );
    line('ratio engawa / docker-compose, Docker-side downtime', `${(eDocker / cDocker).toFixed(2)} (aim ≤ 1.0)`);
    line("ratio engawa / docker-compose, engawa's own downtime", `${(eOwn / cDocker).toFixed(2)} (aim ≤ 1.0)`);
  } finally {
    for (const dir of composeDirs) spawnSync('docker-compose', ['down', '-v'], { cwd: dir });
    for (const name of made) await cli(home, ['destroy', name, '--yes'], env).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
    engine.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});

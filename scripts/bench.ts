/**
 * `npm run bench`: how long Engawa takes from "stopped" to "all healthy" for the test recipe,
 * against `docker-compose up -d` + waiting for the same health checks on the exported project,
 * on the same engine with the same local images. Prints medians and the ratio (aim: ≤ 1.0),
 * plus the delay between a container dying and Engawa seeing it through Docker's events.
 *
 * Uses the engine at DOCKER_HOST, or starts the private test engine (scripts/test-engine.sh).
 */
import { LOCAL_IMAGES } from '../test/integration/helpers';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { connectEngine } from '../electron/core/engine/connect';
import { DockerEngine } from '../electron/core/engine/engine';
import { InstanceManager } from '../electron/core/instances';
import { FileSecretStore } from '../electron/core/instances';
import { getRecipe, listRecipes } from '../electron/core/stacks/registry';
import { bundleCli, useBenchEngine } from './bench-engine';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const repo = path.resolve(import.meta.dirname, '..');
const recipeFile = path.join(repo, 'test/fixtures/recipes/test-web.json');
/** The test recipe's images (and the probe container's) → the local test images. */
const images = LOCAL_IMAGES;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd = repo): string {
  const r = spawnSync(cmd, args, { env, cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

async function waitHealthy(docker: Dockerode, project: string, services: number): Promise<void> {
  for (;;) {
    const cs = await docker.listContainers({ filters: { label: [`com.docker.compose.project=${project}`] } });
    if (cs.length === services && cs.every((c) => /\(healthy\)/.test(c.Status) || !/health/.test(c.Status))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const engine = useBenchEngine();
  try {
    sh('bash', ['scripts/build-test-images.sh']);
    if (!spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).stdout) {
      throw new Error('docker-compose is not installed (Debian: apt-get install docker-compose)');
    }
    const work = await mkdtemp(path.join(os.tmpdir(), 'engawa-bench-'));
    const home = path.join(work, 'home');
    const cliJs = await bundleCli('cli'); // the CLI as users run it
    const env = { ...process.env, ENGAWA_HOME: home, ENGAWA_RECIPES: recipeFile, ENGAWA_IMAGES: JSON.stringify(images) };
    const engawa = (...args: string[]) => sh(process.execPath, [cliJs, ...args], env);
    const { docker, endpoint } = await connectEngine();
    const recipes = { get: (id: string) => getRecipe(id, { extraRecipeFiles: [recipeFile] }), list: () => listRecipes({ extraRecipeFiles: [recipeFile] }) };
    const manager = new InstanceManager({
      home,
      engine: async () => new DockerEngine(docker, { endpoint }),
      secrets: new FileSecretStore(home),
      recipes,
      images,
    });
    const name = 'bench';
    const composeDir = path.join(work, 'compose');
    try {
      engawa('create', 'test-web', '--name', name, '--domain', 'bench.example');
      await manager.exportCompose(name, composeDir);
      const services = (await manager.status(name)).services.length;

      const engawaTimes: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        engawa('stop', name);
        const t = performance.now();
        engawa('start', name); // returns once every service is healthy
        engawaTimes.push(performance.now() - t);
      }

      // Event latency: kill a container, time until the manager's watcher reports a change.
      const latencies: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        let armed = false;
        const seen = new Promise<number>((resolve) => {
          const sub = manager.watch((_n, state) => {
            if (!armed || state === 'running') return; // the watcher's first report, before the kill
            sub.close();
            resolve(performance.now());
          });
        });
        await new Promise((r) => setTimeout(r, 500));
        armed = true;
        const t = performance.now();
        execFileSync('docker', ['kill', `engawa-${name}-web-1`], { env });
        latencies.push((await seen) - t);
        engawa('start', name);
      }
      engawa('stop', name);
      engawa('destroy', name, '--yes');

      const composeTimes: number[] = [];
      const compose = (...args: string[]) => sh('docker-compose', args, env, composeDir);
      compose('up', '-d');
      await waitHealthy(docker, `engawa-${name}`, services);
      for (let i = 0; i < RUNS; i++) {
        compose('stop');
        const t = performance.now();
        compose('up', '-d');
        await waitHealthy(docker, `engawa-${name}`, services);
        composeTimes.push(performance.now() - t);
      }
      compose('down', '-v');

      const e = median(engawaTimes);
      const c = median(composeTimes);
      console.log(`runs: ${RUNS} (median)`);
      console.log(`engawa start → all healthy:                ${(e / 1000).toFixed(2)} s`);
      console.log(`docker-compose up -d → all healthy:        ${(c / 1000).toFixed(2)} s`);
      console.log(`ratio engawa / docker-compose:             ${(e / c).toFixed(2)} (aim ≤ 1.0)`);
      console.log(`container killed → seen through events:    ${median(latencies).toFixed(0)} ms`);
    } finally {
      spawnSync('docker-compose', ['down', '-v'], { env, cwd: composeDir });
      spawnSync(process.execPath, [cliJs, 'destroy', name, '--yes'], { env });
      await rm(work, { recursive: true, force: true });
    }
  } finally {
    engine.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});

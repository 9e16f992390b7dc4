/**
 * The disk guard on a real engine whose data root is a small filesystem made for the test: a private
 * dockerd (own-engine.ts) on a loop-mounted 1.5 GB ext4. A one-service stack keeps a known file in
 * its data volume and fills a cache volume; its recipe's clean-up task (Recipe.maintenance, run by
 * the maintenance runner in the container) empties the cache. Filling the filesystem step by step
 * with a filler file beside Docker's directory must cross warning → clean-up → critical → clean
 * stop, in that order, with the data file intact (by content) and the volumes kept; removing the
 * filler brings the server back, started again and healthy. Free space is measured the guard's
 * own way: `df` in the helper container inside the engine.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEventMessage, DiskStatusInfo, WatchActionInfo } from '../../electron/shared/contract';
import { createDiskGuardApi, type DiskGuardApi } from '../../electron/core/api/disk-guard';
import { EventBus } from '../../electron/core/api/events';
import { createMaintenanceApi } from '../../electron/core/api/maintenance';
import { Operations } from '../../electron/core/api/ops';
import { SettingsStore } from '../../electron/core/api/settings';
import { createServices, type Services } from '../../electron/core/api/wiring';
import { FileSecretStore, projectName } from '../../electron/core/instances';
import { dockerHealthy, eventually, LOCAL_IMAGES, REPO, TEST_RECIPE, uniqueName } from './helpers';
import { canRunOwnEngine, startOwnEngine, type OwnEngine } from './own-engine';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const can = canRunOwnEngine();
const name = uniqueName('dg');
const secret = randomBytes(16).toString('hex');
/** warn below min(1 GB, 50 % of the 1.5 GB disk) = 768 MiB; critical below 512 MiB */
const LEVELS = { warnGB: 1, warnPercent: 50, criticalGB: 0.5 };
const CACHE_MIB = 160;

let own: OwnEngine;
let tmp: string;
let recipeFile: string;
let services: Services;
let disk: DiskGuardApi;
const events: ApiEventMessage[] = [];

/** The test stack cut down to one web service with a data volume, a cache volume and a clean-up task that empties the cache. */
async function writeRecipe(file: string): Promise<void> {
  const base = JSON.parse(await readFile(TEST_RECIPE, 'utf8')) as Record<string, unknown> & { services: Array<Record<string, unknown>> };
  const web = base.services.find((s) => s.name === 'web')!;
  const recipe = {
    ...base,
    id: 'disk-web',
    name: 'Disk guard test stack',
    secrets: [],
    volumes: [
      { name: 'data', description: "the user's data", backup: 'data' },
      { name: 'cache', description: "other servers' media", backup: 'cache' },
    ],
    services: [
      {
        name: 'web',
        image: 'docker.io/library/busybox:1',
        command: ['httpd', '-f', '-v', '-p', '8080', '-h', '/www'],
        mounts: [
          { volume: 'data', target: '/data' },
          { volume: 'cache', target: '/cache' },
        ],
        ports: web.ports,
        files: web.files,
        healthcheck: {
          test: ['CMD-SHELL', 'timeout 3 wget -q -O - http://127.0.0.1:8080/health'],
          intervalMs: 500,
          timeoutMs: 3000,
          retries: 20,
          startPeriodMs: 10000,
        },
        stopTimeoutS: 5,
      },
    ],
    setup: [],
    backup: {},
    maintenance: [
      {
        id: 'empty-cache',
        service: 'web',
        schedule: 'on-demand',
        volumes: ['cache'],
        removes: { en: 'everything in the cache', ja: 'キャッシュのすべて' },
        kind: 'exec',
        command: ['sh', '-c', 'rm -rf /cache/* && sync'],
      },
    ],
  };
  await writeFile(file, JSON.stringify(recipe));
}

const filler = (): string => path.join(own.mountPoint!, 'filler.bin');

/** Docker's disk as the guard measures it (df in the helper container). */
async function dockerFree(): Promise<number> {
  const space = await (await services.engine()).readDisk?.();
  if (space === undefined) throw new Error('the helper container did not measure the disk');
  return space.freeBytes;
}

/** Grows (or shrinks) the filler beside Docker's directory so that about `targetFree` bytes stay free. */
async function leaveFree(targetFree: number): Promise<void> {
  const current = await stat(filler()).then(
    (s) => s.size,
    () => 0,
  );
  const size = Math.max(0, current + (await dockerFree()) - targetFree);
  await rm(filler(), { force: true });
  await run('fallocate', ['-l', String(size), filler()]);
  await run('sync');
}

const actions = (): WatchActionInfo[] => events.flatMap((e) => (e.event === 'watch.action' ? [e.payload] : []));
const kinds = (): string[] => actions().map((a) => `${a.kind}${a.instance === null ? '' : ` ${a.instance}`}`);
const container = (): Dockerode.Container => new Dockerode({ socketPath: own.dockerHost.slice('unix://'.length) }).getContainer(`${projectName(name)}-web-1`);

async function exec(cmd: string[]): Promise<string> {
  const r = await (await services.engine()).exec(projectName(name), 'web', cmd);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout;
}

describe.skipIf(!can.ok)(`the disk guard on a small real filesystem (${can.reason})`, () => {
  beforeAll(async () => {
    own = await startOwnEngine({ name: 'disk-guard', sizeMiB: 1536, images: [...new Set(Object.values(LOCAL_IMAGES).filter((i) => i.includes('busybox')))] });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'engawa-dg-'));
    recipeFile = path.join(tmp, 'disk-web.json');
    await writeRecipe(recipeFile);
    const home = path.join(tmp, 'home');
    await mkdir(home);
    const log = (line: string): void => void (process.env.ENGAWA_TEST_LOG && console.log(line));
    services = createServices({
      home,
      env: { DOCKER_HOST: own.dockerHost, HOME: process.env.HOME },
      images: LOCAL_IMAGES,
      recipeFiles: [recipeFile],
      secrets: new FileSecretStore(home),
      log,
    });
    const settings = await SettingsStore.open(home);
    await settings.update({ disk: LEVELS });
    const bus = new EventBus();
    bus.subscribe((m) => void events.push(m));
    const ops = new Operations(bus);
    const maintenance = createMaintenanceApi(services, ops, log);
    // the timer stays out of the way: the test measures step by step (the core's on-demand check)
    disk = createDiskGuardApi(services, bus, ops, settings, { cleanUp: maintenance.cleanUp, periodMs: 3_600_000, firstCheckMs: 3_600_000 }, log);
    await services.manager.create({ stack: 'disk-web', name, domain: `${name}.example.com` });
    await exec(['sh', '-c', `echo ${secret} > /data/known.txt && sync`]);
    await exec(['sh', '-c', `dd if=/dev/urandom of=/cache/remote-media.bin bs=1M count=${CACHE_MIB} 2>/dev/null && sync`]);
    disk.start();
  }, 240_000);

  afterAll(async () => {
    await disk?.stop();
    await services?.manager.destroy(name).catch(() => undefined);
    await own?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }, 120_000);

  it('crosses warning → clean-up → critical → clean stop, keeps the data, and starts the server again once space is back', async () => {
    const first = (await disk.guard.check('start')) as DiskStatusInfo;
    expect(first.places[0]).toMatchObject({ place: 'docker', path: null, level: 'ok' });
    expect(first.places[0]!.totalBytes).toBeGreaterThan(1200 * MiB);
    expect(first.places[0]!.totalBytes).toBeLessThan(1600 * MiB);
    expect(kinds()).toEqual([]);

    // 1. warning: between the levels
    await leaveFree(650 * MiB);
    expect((await disk.guard.check('filled'))?.places[0]?.level).toBe('warning');
    expect(kinds()).toEqual(['disk-warning']);
    expect(events.some((e) => e.event === 'disk.changed' && e.payload.level === 'warning')).toBe(true);

    // 2. critical, and the clean-up (the cache) is not enough: the server is stopped cleanly
    await leaveFree(200 * MiB);
    const critical = await disk.guard.check('filled more');
    expect(kinds()).toEqual(['disk-warning', `disk-clean ${name}`, 'disk-critical', `disk-stop ${name}`]);
    expect(critical).toMatchObject({ level: 'critical', stoppedByGuard: [name] });
    // the clean-up ran, in the container, and made some room (but not enough)
    expect(events.some((e) => e.event === 'op.done' && e.payload.op === 'clean' && e.payload.instance === name)).toBe(true);
    expect(critical!.places[0]!.freeBytes).toBeGreaterThan(200 * MiB + (CACHE_MIB / 2) * MiB);
    // the stop was an operation the UI can follow
    expect(events.some((e) => e.event === 'op.done' && e.payload.op === 'stop' && e.payload.instance === name)).toBe(true);
    expect((await container().inspect()).State.Running).toBe(false);
    expect((await services.manager.get(name)).state).toBe('stopped');
    const stopReason = actions().find((a) => a.kind === 'disk-stop')!.reason;
    expect(stopReason).toMatch(/only \d+(\.\d)? MB free on Docker's disk \(critical below 512 MB\)/);
    // nothing of the user's was deleted: both volumes are there, the data file holds what it held
    const volumes = await (await services.engine()).volumeUsage!(projectName(name));
    expect(volumes.map((v) => v.key).sort()).toEqual(['cache', 'data']);
    const dataVolume = volumes.find((v) => v.key === 'data')!.name;
    expect((await readFile(path.join(own.dataRoot, 'volumes', dataVolume, '_data', 'known.txt'), 'utf8')).trim()).toBe(secret);
    expect(JSON.parse(await readFile(path.join(services.home, 'disk-guard.json'), 'utf8'))).toMatchObject({ stopped: [name] });

    // 3. space back (the filler goes): started again, healthy, the data as it was
    await rm(filler(), { force: true });
    await run('sync');
    const back = await disk.guard.check('room again');
    expect(back).toMatchObject({ level: 'ok', stoppedByGuard: [] });
    expect(kinds().slice(4)).toEqual([`disk-start ${name}`]);
    expect((await services.manager.get(name)).state).toBe('running');
    await dockerHealthy(container());
    expect((await exec(['cat', '/data/known.txt'])).trim()).toBe(secret);
    await expect(readFile(path.join(services.home, 'disk-guard.json'))).rejects.toThrow(/ENOENT/);
  }, 300_000);

  /** `engawa watch --json` with disk flags, headless, on the own engine; resolves its printed actions and log once `until` holds. */
  function watchHeadless(): { actions: () => WatchActionInfo[]; err: () => string; stop: () => Promise<number | null> } {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(REPO, 'electron/cli.ts'),
        'watch',
        '--json',
        '--disk-warn-gb',
        String(LEVELS.warnGB),
        '--disk-critical-gb',
        String(LEVELS.criticalGB),
      ],
      {
        cwd: REPO,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          DOCKER_HOST: own.dockerHost,
          ENGAWA_HOME: services.home,
          ENGAWA_RECIPES: recipeFile,
          ENGAWA_IMAGES: JSON.stringify(LOCAL_IMAGES),
        },
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return {
      actions: () =>
        out
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as WatchActionInfo),
      err: () => err,
      stop: async () => {
        child.kill('SIGTERM');
        return exited;
      },
    };
  }

  it('runs headless in `engawa watch`: stops the server on a critical disk, and a new `engawa watch` starts it again once space is back', async () => {
    await leaveFree(200 * MiB);
    const first = watchHeadless();
    try {
      await eventually(async () => (first.actions().some((a) => a.kind === 'disk-stop') ? true : undefined), 60_000, 'the headless guard to stop the server');
    } finally {
      expect(await first.stop(), first.err()).toBe(0);
    }
    expect(first.actions().map((a) => a.kind)).toEqual(['disk-clean', 'disk-critical', 'disk-stop']);
    expect((await services.manager.get(name)).state).toBe('stopped');
    expect(JSON.parse(await readFile(path.join(services.home, 'disk-guard.json'), 'utf8'))).toMatchObject({ stopped: [name] });

    // Engawa restarted (a new `engawa watch`) with room again: it starts what the first one stopped
    await rm(filler(), { force: true });
    await run('sync');
    const second = watchHeadless();
    try {
      await eventually(
        async () => (second.actions().some((a) => a.kind === 'disk-start') ? true : undefined),
        60_000,
        'the headless guard to start the server again',
      );
    } finally {
      expect(await second.stop(), second.err()).toBe(0);
    }
    expect(second.err()).toContain(`it stopped ${name} earlier`);
    expect((await services.manager.get(name)).state).toBe('running');
    expect((await exec(['cat', '/data/known.txt'])).trim()).toBe(secret);
  }, 300_000);
});

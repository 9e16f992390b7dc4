/**
 * The watchdog when Docker itself goes away, on an own engine (own-engine.ts: the shared one is never
 * restarted):
 * - `engawa watch` in a child process watches a running instance while its dockerd restarts: it says
 *   Docker is gone, then back, re-checks, and the service is healthy again with nobody doing anything;
 * - `engawa watch` against a dead socket waits and says so once (no crash loop, no repeated lines)
 *   and exits 0 on SIGTERM.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_IMAGE } from '../../electron/core/engine/vm-probe';
import type { WatchAction } from '../../electron/core/watch';
import { cli, eventually, LOCAL_IMAGES, REPO, TEST_RECIPE, tempHome, uniqueName } from './helpers';
import { canRunOwnEngine, startOwnEngine, type OwnEngine } from './own-engine';

const own = canRunOwnEngine();

interface Watcher {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  actions: () => WatchAction[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `engawa watch --json` in a child process. */
function startWatch(env: Record<string, string | undefined>): Watcher {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'electron/cli.ts'), 'watch', '--json'], {
    cwd: REPO,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const actions = (): WatchAction[] =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as WatchAction);
  return { child, out: () => out, err: () => err, actions, exited };
}

describe.skipIf(!own.ok)(`the watchdog across a dockerd restart (own engine: ${own.reason})`, () => {
  const name = uniqueName('wdr');
  const container = `engawa-${name}-web-1`;
  let engine: OwnEngine;
  let home: { dir: string; cleanup: () => Promise<void> };
  let recipeDir: string;
  let recipeFile: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    engine = await startOwnEngine({ name: 'wd-restart', images: [...new Set(['local/busybox-httpd:1', LOCAL_IMAGES[PROBE_IMAGE]!])] });
    home = await tempHome();
    recipeDir = await mkdtemp(path.join(os.tmpdir(), 'engawa-wdr-recipe-'));
    recipeFile = path.join(recipeDir, 'watch-web.json');
    const base = JSON.parse(await readFile(TEST_RECIPE, 'utf8')) as Record<string, unknown> & { services: Record<string, unknown>[] };
    const web = base.services.find((s) => s.name === 'web')!;
    const recipe = {
      ...base,
      id: 'watch-web',
      name: 'Watchdog test stack',
      secrets: [],
      volumes: [],
      services: [
        {
          name: 'web',
          image: 'docker.io/library/busybox:1',
          command: ['sh', '-c', 'echo web starting; exec httpd -f -v -p 8080 -h /www'],
          ports: web.ports,
          files: web.files,
          healthcheck: { test: ['CMD-SHELL', 'true'], intervalMs: 500, timeoutMs: 2000, retries: 2, startPeriodMs: 0 },
          unhealthyGraceS: 2,
          stopTimeoutS: 2,
        },
      ],
      setup: [],
      backup: {},
    };
    await writeFile(recipeFile, JSON.stringify(recipe));
    env = { DOCKER_HOST: engine.dockerHost, ENGAWA_RECIPES: recipeFile, ENGAWA_IMAGES: JSON.stringify(LOCAL_IMAGES) };
    const r = await cli(home.dir, ['create', 'watch-web', '--name', name, '--domain', `${name}.example.com`], env);
    expect(r.code, r.stderr).toBe(0);
  });

  afterAll(async () => {
    await engine?.stop();
    await home?.cleanup();
    if (recipeDir) await rm(recipeDir, { recursive: true, force: true });
  });

  it('says Docker is gone and back, re-checks, and every service is healthy again without user action', async () => {
    const d = new Dockerode({ socketPath: engine.dockerHost.slice('unix://'.length) });
    const health = async (): Promise<string | undefined> =>
      (
        await d
          .getContainer(container)
          .inspect()
          .catch(() => undefined)
      )?.State.Health?.Status;
    await eventually(async () => ((await health()) === 'healthy' ? true : undefined), 30_000, 'web healthy');
    const w = startWatch({ ...env, ENGAWA_HOME: home.dir, ENGAWA_WATCH_TIMING: JSON.stringify({ recheckGraceMs: 3000, engineRetryMs: 300 }) });
    try {
      await eventually(async () => (w.err().includes('watching the servers') ? true : undefined), 30_000, '`engawa watch` to start');
      await new Promise((r) => setTimeout(r, 1000)); // subscribed to the events
      const before = (await d.getContainer(container).inspect()).State.StartedAt;

      await engine.restart();

      const kinds = (): string[] => w.actions().map((a) => a.kind);
      await eventually(async () => (kinds().includes('recheck') ? true : undefined), 60_000, 'the re-check after Docker is back');
      expect(kinds().slice(0, 3)).toEqual(['engine-down', 'engine-back', 'recheck']);
      expect(w.actions()[0]!.reason).toMatch(/Docker cannot be reached/);
      expect(w.actions()[1]!.reason).toMatch(/Docker answers again; re-checking/);
      expect(w.actions()[2]!.reason).toMatch(/^Docker is back: /);
      // the dockerd restart stopped the container and Docker started it again (restart policy): a new start
      await eventually(async () => ((await health()) === 'healthy' ? true : undefined), 60_000, 'web healthy again');
      expect((await d.getContainer(container).inspect()).State.StartedAt).not.toBe(before);
      // whatever the re-check found, it is all healthy now, and nothing was given up
      await new Promise((r) => setTimeout(r, 4000)); // past the re-check's grace
      expect(kinds()).not.toContain('give-up');
      expect(kinds().filter((k) => k === 'engine-down')).toHaveLength(1);
      const instances = await cli(home.dir, ['status', name, '--json'], env);
      expect(instances.code, instances.stderr).toBe(0);
      expect(instances.stdout).toMatch(/"running"/);
    } finally {
      w.child.kill('SIGTERM');
    }
    expect(await w.exited).toEqual({ code: 0, signal: null });
  });
});

describe('`engawa watch` while Docker cannot be reached', () => {
  let home: { dir: string; cleanup: () => Promise<void> };
  let sockDir: string;
  beforeAll(async () => {
    home = await tempHome();
    sockDir = await mkdtemp(path.join(os.tmpdir(), 'engawa-dead-'));
  });
  afterAll(async () => {
    await home.cleanup();
    await rm(sockDir, { recursive: true, force: true });
  });

  it('waits and says so once (no crash loop, no repeated lines), then exits 0 on SIGTERM', async () => {
    // a dead socket: the file of a unix socket whose listener was killed
    const sock = path.join(sockDir, 'docker.sock');
    const listener = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    await new Promise((r) => listener.on('exit', r));
    const w = startWatch({ DOCKER_HOST: `unix://${sock}`, ENGAWA_HOME: home.dir, ENGAWA_WATCH_TIMING: JSON.stringify({ engineRetryMs: 100 }) });
    try {
      await eventually(async () => (w.actions().length > 0 ? true : undefined), 30_000, 'the first action');
      await new Promise((r) => setTimeout(r, 5000)); // 100 ms doubling: about six more tries
      expect(w.child.exitCode).toBeNull(); // still running: it waits, it does not crash
      expect(w.actions().map((a) => a.kind)).toEqual(['engine-down']);
      expect(w.actions()[0]!.reason).toMatch(/Docker cannot be reached .*waiting for it to come back/);
      const lines = w
        .err()
        .split('\n')
        .filter((l) => l !== '');
      expect(lines.length).toBeGreaterThan(0);
      expect(new Set(lines).size).toBe(lines.length);
    } finally {
      w.child.kill('SIGTERM');
    }
    expect(await w.exited).toEqual({ code: 0, signal: null });
    expect(w.err()).toContain('stopped watching');
  });
});

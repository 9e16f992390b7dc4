/**
 * One watchdog per Engawa home: a second `engawa watch` refuses, naming the first; the lock of a
 * watchdog that died is taken over; `engawa watch` exits 0 when it is told to stop, releasing it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../electron/core/cli/run';
import { acquireWatchLock, watchLockFile } from '../../../electron/core/watch';
import { FakeEngine } from '../instances/fake-engine';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-watch-lock-'));
});
afterEach(async () => rm(home, { recursive: true, force: true }));

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

/** `engawa watch` in-process on the fake engine; `stop` aborts it as Ctrl-C or SIGTERM would. */
function watch(engine: FakeEngine): { code: Promise<number>; stop: () => void; out: () => string; err: () => string } {
  const controller = new AbortController();
  let out = '';
  let err = '';
  const code = runCli(['watch', '--home', home], {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    env: {},
    signal: controller.signal,
    engine: async () => engine,
  });
  return { code, stop: () => controller.abort(), out: () => out, err: () => err };
}

describe('the watch lock', () => {
  it('refuses a second watchdog, naming the first, until the first releases it', async () => {
    const first = await acquireWatchLock(home, 'the app');
    await expect(acquireWatchLock(home, 'engawa watch')).rejects.toMatchObject({
      code: 'BUSY',
      message: expect.stringContaining(`the app (process ${process.pid}`),
    });
    await first.release();
    const second = await acquireWatchLock(home, 'engawa watch');
    expect(second.stale).toBeUndefined();
    await second.release();
    await expect(readFile(watchLockFile(home))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('takes over the stale lock of a watchdog whose process is gone', async () => {
    const pid = deadPid();
    await writeFile(watchLockFile(home), JSON.stringify({ pid, by: 'engawa watch', startedAt: '2026-01-01T00:00:00.000Z', host: os.hostname(), token: 'old' }));
    const lock = await acquireWatchLock(home, 'engawa watch');
    expect(lock.stale).toMatchObject({ pid, token: 'old' });
    expect(JSON.parse(await readFile(watchLockFile(home), 'utf8'))).toMatchObject({ pid: process.pid, token: lock.info.token });
    await lock.release();
  });
});

describe('engawa watch', () => {
  it('runs until stopped (exit 0), and a second one refuses naming the first', async () => {
    const engine = new FakeEngine();
    const first = watch(engine);
    await vi.waitFor(() => expect(engine.subscribers).toBe(1));
    expect(JSON.parse(await readFile(watchLockFile(home), 'utf8'))).toMatchObject({ pid: process.pid, by: 'engawa watch' });
    const second = watch(engine);
    expect(await second.code).toBe(1);
    expect(second.err()).toMatch(new RegExp(`A watchdog runs already: engawa watch \\(process ${process.pid}`));
    first.stop();
    expect(await first.code).toBe(0);
    expect(first.err()).toMatch(/stopped watching/);
    expect(engine.subscribers).toBe(0);
    await expect(readFile(watchLockFile(home))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('takes over the lock of a watch that died', async () => {
    const pid = deadPid();
    await writeFile(watchLockFile(home), JSON.stringify({ pid, by: 'engawa watch', startedAt: '2026-01-01T00:00:00.000Z', host: os.hostname(), token: 'old' }));
    const engine = new FakeEngine();
    const w = watch(engine);
    await vi.waitFor(() => expect(engine.subscribers).toBe(1));
    expect(w.err()).toContain(`the watchdog of process ${pid} is gone; taking over its lock`);
    w.stop();
    expect(await w.code).toBe(0);
  });
});

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, lockHolder } from '../../../electron/core/instances/lock';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-lock-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '']);
    child.on('error', reject);
    child.on('exit', () => resolve(child.pid as number));
  });
}

describe('acquireLock', () => {
  it('writes who holds it, and a second taker gets BUSY naming the operation', async () => {
    const lock = await acquireLock(home, 'blog', 'start');
    const info = JSON.parse(await readFile(path.join(home, 'locks', 'blog.lock'), 'utf8'));
    expect(info).toMatchObject({ pid: process.pid, op: 'start', host: os.hostname() });
    expect(Date.parse(info.startedAt)).not.toBeNaN();
    const err = await acquireLock(home, 'blog', 'stop').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BUSY', message: expect.stringMatching(new RegExp(`"blog" is busy: start started at .* \\(process ${process.pid}\\)`)) });
    expect(await lockHolder(home, 'blog')).toMatchObject({ op: 'start' });
    await lock.release();
  });

  it('locks instances independently', async () => {
    const a = await acquireLock(home, 'a', 'start');
    const b = await acquireLock(home, 'b', 'start');
    await a.release();
    await b.release();
  });

  it('release frees it for the next operation and leaves no files', async () => {
    const first = await acquireLock(home, 'blog', 'create');
    await first.release();
    await first.release();
    expect(await lockHolder(home, 'blog')).toBeNull();
    const second = await acquireLock(home, 'blog', 'destroy');
    expect(second.stale).toBeUndefined();
    await second.release();
    expect(await readdir(path.join(home, 'locks'))).toEqual([]);
  });

  it('release does not remove a lock that is no longer ours', async () => {
    const lock = await acquireLock(home, 'blog', 'start');
    const file = path.join(home, 'locks', 'blog.lock');
    const other = { pid: process.pid, op: 'stop', startedAt: new Date().toISOString(), host: os.hostname(), token: 'someone-else' };
    await writeFile(file, JSON.stringify(other));
    await lock.release();
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ token: 'someone-else' });
  });

  it('takes over the lock of a process that died and reports its operation', async () => {
    const pid = await deadPid();
    await mkdir(path.join(home, 'locks'), { recursive: true });
    const stale = { pid, op: 'create', startedAt: '2026-01-01T00:00:00.000Z', host: os.hostname(), token: 'dead' };
    await writeFile(path.join(home, 'locks', 'blog.lock'), JSON.stringify(stale));
    expect(await lockHolder(home, 'blog')).toBeNull();
    const lock = await acquireLock(home, 'blog', 'destroy');
    expect(lock.stale).toMatchObject({ pid, op: 'create' });
    expect(await lockHolder(home, 'blog')).toMatchObject({ pid: process.pid, op: 'destroy' });
    await expect(acquireLock(home, 'blog', 'start')).rejects.toMatchObject({ code: 'BUSY' });
    await lock.release();
    expect(await readdir(path.join(home, 'locks'))).toEqual([]);
  });

  it('counts a lock from another host as held (its process cannot be checked)', async () => {
    const pid = await deadPid();
    await mkdir(path.join(home, 'locks'), { recursive: true });
    const remote = { pid, op: 'start', startedAt: new Date().toISOString(), host: `not-${os.hostname()}`, token: 't' };
    await writeFile(path.join(home, 'locks', 'blog.lock'), JSON.stringify(remote));
    await expect(acquireLock(home, 'blog', 'stop')).rejects.toMatchObject({ code: 'BUSY' });
  });
});

/**
 * The last check kept with the instance (<home>/checks/<name>.json, atomic), and one check at a
 * time per instance: a second one in the same process joins the first, another process's live
 * lock is BUSY, a dead process's lock is taken over.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkFile, lastCheck, oneCheckAtATime, saveCheck } from '../../../electron/core/check/store';
import type { CheckResult } from '../../../electron/core/check/types';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-check-store-'));
});
afterEach(() => rm(home, { recursive: true, force: true }));

const result = (instance: string, ok = true): CheckResult => ({
  version: 1,
  instance,
  stack: 'mastodon',
  publicUrl: 'https://social.example.com',
  checkedAt: '2026-11-20T10:00:00.000Z',
  durationMs: 1234,
  ok,
  counts: { passed: 1, failed: ok ? 0 : 1, unknown: 0 },
  items: [],
});

describe('the kept check', () => {
  it('is written atomically under <home>/checks and read back; none is null', async () => {
    expect(await lastCheck(home, 'home')).toBeNull();
    await saveCheck(home, result('home'));
    await saveCheck(home, result('home', false));
    expect(checkFile(home, 'home')).toBe(path.join(home, 'checks', 'home.json'));
    expect(await lastCheck(home, 'home')).toEqual(result('home', false));
    expect(await readdir(path.join(home, 'checks'))).toEqual(['home.json']);
  });

  it('a damaged file reads as no check', async () => {
    await saveCheck(home, result('home'));
    await writeFile(checkFile(home, 'home'), '{"version": 1, "ite');
    expect(await lastCheck(home, 'home')).toBeNull();
  });
});

describe('one check at a time', () => {
  it('a second check of the same instance joins the running one; another instance runs on its own', async () => {
    let runs = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const body = (name: string) => async () => {
      runs++;
      await gate;
      return result(name);
    };
    const a = oneCheckAtATime(home, 'home', body('home'));
    const b = oneCheckAtATime(home, 'home', body('home'));
    const c = oneCheckAtATime(home, 'other', body('other'));
    release();
    expect(await a).toBe(await b);
    expect((await c).instance).toBe('other');
    expect(runs).toBe(2);
    // the lock is gone afterwards
    expect(await readdir(path.join(home, 'checks'))).toEqual([]);
  });

  it('another live process running a check is BUSY; a dead one’s lock is taken over', async () => {
    await rm(path.join(home, 'checks'), { recursive: true, force: true });
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(home, 'checks'));
    const lock = path.join(home, 'checks', 'home.lock');
    await writeFile(lock, JSON.stringify({ pid: process.ppid, host: os.hostname(), startedAt: new Date().toISOString() }));
    await expect(oneCheckAtATime(home, 'home', async () => result('home'))).rejects.toMatchObject({
      code: 'BUSY',
      message: expect.stringMatching(/already running/),
    });
    await writeFile(lock, JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), startedAt: new Date().toISOString() }));
    expect((await oneCheckAtATime(home, 'home', async () => result('home'))).instance).toBe('home');
  });
});

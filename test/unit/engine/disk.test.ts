import type Dockerode from 'dockerode';
import { describe, expect, it, vi } from 'vitest';
import { toInstanceDisk } from '../../../electron/core/api/disk';
import { DF_BUSY_WAIT_MS, systemDf, volumeUsageFromDf } from '../../../electron/core/engine/disk';

const labels = (project: string, key: string, managed = 'true') => ({
  'com.docker.compose.project': project,
  'com.docker.compose.volume': key,
  'app.engawa.managed': managed,
});

describe('volumeUsageFromDf', () => {
  it('keeps only the project’s managed volumes, with their key and size (null when unmeasured)', () => {
    const df = {
      Volumes: [
        { Name: 'engawa-a_db', Labels: labels('engawa-a', 'db'), UsageData: { Size: 1000, RefCount: 1 } },
        { Name: 'engawa-a_media', Labels: labels('engawa-a', 'media'), UsageData: { Size: -1, RefCount: 0 } },
        { Name: 'engawa-ab_db', Labels: labels('engawa-ab', 'db'), UsageData: { Size: 5 } },
        { Name: 'engawa-a_x', Labels: labels('engawa-a', 'x', 'false'), UsageData: { Size: 7 } },
        { Name: 'anonymous', Labels: null, UsageData: { Size: 9 } },
      ],
    };
    expect(volumeUsageFromDf(df, 'engawa-a')).toEqual([
      { name: 'engawa-a_db', key: 'db', bytes: 1000 },
      { name: 'engawa-a_media', key: 'media', bytes: null },
    ]);
    expect(volumeUsageFromDf({ Volumes: null }, 'engawa-a')).toEqual([]);
  });
});

describe('toInstanceDisk', () => {
  it('marks each volume with its backup kind in the recipe’s order and sums the measured ones', () => {
    const usage = [
      { name: 'p_cache', key: 'cache', bytes: 300 },
      { name: 'p_old', key: 'gone', bytes: 50 },
      { name: 'p_db', key: 'db', bytes: 1000 },
      { name: 'p_tmp', key: 'tmp', bytes: null },
    ];
    const recipe = [
      { name: 'db', backup: 'data' as const },
      { name: 'tmp', backup: 'none' as const },
      { name: 'cache', backup: 'cache' as const },
    ];
    expect(toInstanceDisk(usage, recipe)).toEqual({
      volumes: [
        { volume: 'p_db', key: 'db', bytes: 1000, backup: 'data' },
        { volume: 'p_tmp', key: 'tmp', bytes: null, backup: 'none' },
        { volume: 'p_cache', key: 'cache', bytes: 300, backup: 'cache' },
        { volume: 'p_old', key: 'gone', bytes: 50, backup: 'none' },
      ],
      totalBytes: 1350,
    });
    expect(toInstanceDisk([], recipe)).toEqual({ volumes: [], totalBytes: 0 });
  });
});

describe('systemDf', () => {
  const busy = () => Object.assign(new Error('(HTTP code 500) server error - a disk usage operation is already running'), { statusCode: 500 });
  const answer = { Volumes: [] };

  it('shares one request among callers at the same time', async () => {
    let calls = 0;
    let release: ((v: unknown) => void) | undefined;
    const docker = { df: () => (calls++, new Promise((r) => (release = r))) } as unknown as Dockerode;
    const both = Promise.all([systemDf(docker), systemDf(docker)]);
    release?.(answer);
    expect(await both).toEqual([answer, answer]);
    expect(calls).toBe(1);
    const later = systemDf(docker); // once the first has ended, a call asks again
    release?.(answer);
    expect(await later).toBe(answer);
    expect(calls).toBe(2);
  });

  it('asks again while another client’s runs, longer apart each time, and gives up after DF_BUSY_WAIT_MS', async () => {
    const pauses: number[] = [];
    const sleep = (ms: number) => (pauses.push(ms), Promise.resolve());
    const results: unknown[] = [busy(), busy(), busy(), answer];
    const docker = {
      df: () => {
        const r = results.shift();
        return r instanceof Error ? Promise.reject(r) : Promise.resolve(r);
      },
    } as unknown as Dockerode;
    expect(await systemDf(docker, sleep)).toBe(answer);
    expect(pauses).toEqual([250, 500, 1000]);

    // always busy: it stops once the next pause would pass the limit (time moves with the sleeps)
    const now = vi.spyOn(Date, 'now');
    let t = 0;
    now.mockImplementation(() => t);
    try {
      const stuck = { df: () => Promise.reject(busy()) } as unknown as Dockerode;
      const err = await systemDf(stuck, (ms) => ((t += ms), Promise.resolve())).catch((e: unknown) => e);
      expect(String(err)).toMatch(/already running/);
      expect(t).toBeLessThanOrEqual(DF_BUSY_WAIT_MS);
      expect(t).toBeGreaterThan(DF_BUSY_WAIT_MS - 2000);
    } finally {
      now.mockRestore();
    }
  });

  it('does not ask again after another error', async () => {
    let calls = 0;
    const docker = { df: () => (calls++, Promise.reject(new Error('connect ENOENT'))) } as unknown as Dockerode;
    await expect(systemDf(docker, () => Promise.resolve())).rejects.toThrow(/ENOENT/);
    expect(calls).toBe(1);
  });
});

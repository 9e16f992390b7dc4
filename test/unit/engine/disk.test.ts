import { describe, expect, it } from 'vitest';
import { toInstanceDisk } from '../../../electron/core/api/disk';
import { volumeUsageFromDf } from '../../../electron/core/engine/disk';

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

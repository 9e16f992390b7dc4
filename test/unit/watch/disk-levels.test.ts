/**
 * The disk guard's pure parts: the levels (warning below the smaller of the bytes and the share,
 * never below critical; hysteresis upwards), the settings range (refused with the range, at the
 * API's boundary too), df's output from the helper container and statfs on this computer.
 */
import { describe, expect, it } from 'vitest';
import { parseDfOutput } from '../../../electron/core/engine/vm-disk';
import { spaceOfStatfs } from '../../../electron/core/watch/disk-places';
import { diskLevel, DISK_RANGE_TEXT, toThresholds, validateDiskSettings, warnLevelBytes } from '../../../electron/core/watch';
import { parseInput } from '../../../electron/core/api/dispatch';
import { SettingsStore } from '../../../electron/core/api/settings';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const GB = 1024 ** 3;
const t = toThresholds({ warnGB: 10, warnPercent: 10, criticalGB: 2 });

describe('disk levels', () => {
  it('warns below the smaller of warnBytes and warnPercent of the disk, never below the critical level', () => {
    expect(t).toEqual({ warnBytes: 10 * GB, warnPercent: 10, criticalBytes: 2 * GB });
    expect(warnLevelBytes(1000 * GB, t)).toBe(10 * GB); // a big disk: 10 GB, not 100 GB
    expect(warnLevelBytes(50 * GB, t)).toBe(5 * GB); // a small one: 10 % of it
    expect(warnLevelBytes(10 * GB, t)).toBe(2 * GB); // 10 % is 1 GB: not below critical
  });

  it('gives ok / warning / critical by free space', () => {
    expect(diskLevel(20 * GB, 500 * GB, t)).toBe('ok');
    expect(diskLevel(9 * GB, 500 * GB, t)).toBe('warning');
    expect(diskLevel(1.9 * GB, 500 * GB, t)).toBe('critical');
    expect(diskLevel(6 * GB, 50 * GB, t)).toBe('ok'); // above 10 % of a 50 GB disk
  });

  it('leaves a level upwards only with a margin above its threshold (no flapping)', () => {
    // critical below 2 GB: at 2.1 GB it stays critical once it was, but is only a warning coming from ok
    expect(diskLevel(2.1 * GB, 500 * GB, t, 'critical')).toBe('critical');
    expect(diskLevel(2.1 * GB, 500 * GB, t, 'ok')).toBe('warning');
    expect(diskLevel(2.3 * GB, 500 * GB, t, 'critical')).toBe('warning');
    // warning below 10 GB: at 10.5 GB it stays a warning once it was one
    expect(diskLevel(10.5 * GB, 500 * GB, t, 'warning')).toBe('warning');
    expect(diskLevel(10.5 * GB, 500 * GB, t, 'critical')).toBe('warning');
    expect(diskLevel(10.5 * GB, 500 * GB, t, 'ok')).toBe('ok');
    expect(diskLevel(11.1 * GB, 500 * GB, t, 'warning')).toBe('ok');
    // downwards there is no margin
    expect(diskLevel(9.99 * GB, 500 * GB, t, 'ok')).toBe('warning');
  });
});

describe('disk settings', () => {
  it('accepts the range and refuses what makes no sense, naming the range', () => {
    expect(validateDiskSettings({ warnGB: 10, warnPercent: 10, criticalGB: 2 })).toEqual({ warnGB: 10, warnPercent: 10, criticalGB: 2 });
    expect(validateDiskSettings({ warnGB: 10000, warnPercent: 50, criticalGB: 0.5 })).toMatchObject({ warnGB: 10000 });
    for (const bad of [
      { warnGB: 2, warnPercent: 10, criticalGB: 2 },
      { warnGB: 1, warnPercent: 10, criticalGB: 3 },
      { warnGB: 10, warnPercent: 10, criticalGB: 0.4 },
      { warnGB: 10001, warnPercent: 10, criticalGB: 2 },
      { warnGB: 10, warnPercent: 0.5, criticalGB: 2 },
      { warnGB: 10, warnPercent: 51, criticalGB: 2 },
      { warnGB: Number.NaN, warnPercent: 10, criticalGB: 2 },
    ]) {
      expect(() => validateDiskSettings(bad)).toThrow(DISK_RANGE_TEXT);
    }
  });

  it('is checked at the API boundary: settings.set refuses with the range', () => {
    expect(parseInput('settings.set', { disk: { warnGB: 20, warnPercent: 5, criticalGB: 1 } })).toEqual({
      disk: { warnGB: 20, warnPercent: 5, criticalGB: 1 },
    });
    expect(() => parseInput('settings.set', { disk: { warnGB: 1, warnPercent: 10, criticalGB: 2 } })).toThrow(
      `"disk": critical GB 2 is not below warning GB 1 (allowed: ${DISK_RANGE_TEXT})`,
    );
    expect(() => parseInput('settings.set', { disk: { warnGB: 10, warnPercent: 10 } })).toThrow(/disk/);
  });

  it('keeps valid levels in the settings file and ignores a stored pair that makes no sense', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'engawa-disk-settings-'));
    try {
      const store = await SettingsStore.open(home);
      expect(store.get().disk).toBeUndefined();
      await store.update({ disk: { warnGB: 20, warnPercent: 5, criticalGB: 1 } });
      expect((await SettingsStore.open(home)).get().disk).toEqual({ warnGB: 20, warnPercent: 5, criticalGB: 1 });
      await writeFile(path.join(home, 'settings.json'), JSON.stringify({ notifications: false, disk: { warnGB: 1, warnPercent: 10, criticalGB: 5 } }));
      const reread = (await SettingsStore.open(home)).get();
      expect(reread.notifications).toBe(false);
      expect(reread.disk).toBeUndefined();
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('measuring', () => {
  it('reads df -P -k of the helper container: total and available 1024-blocks', () => {
    const out = 'Filesystem           1024-blocks    Used Available Capacity Mounted on\noverlay                 1479088  912340    490352  65% /\n';
    expect(parseDfOutput(out)).toEqual({ freeBytes: 490352 * 1024, totalBytes: 1479088 * 1024 });
    expect(parseDfOutput('')).toBeUndefined();
    expect(parseDfOutput('sh: df: not found\n')).toBeUndefined();
    expect(parseDfOutput('Filesystem 1024-blocks Used Available Capacity Mounted on\noverlay x y z 5% /\n')).toBeUndefined();
  });

  it('reads statfs: available blocks (not free ones, root reserves some) times the block size', () => {
    expect(spaceOfStatfs({ bsize: 4096, blocks: 1000, bavail: 250 })).toEqual({ freeBytes: 250 * 4096, totalBytes: 1000 * 4096 });
  });
});

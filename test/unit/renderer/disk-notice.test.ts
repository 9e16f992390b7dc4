/**
 * The dashboard's disk notice (renderer/src/dashboard/disk-notice.ts) and the settings' disk levels
 * (renderer/src/settings/disk-levels.ts): nothing while there is room; the low place, what Engawa
 * did (cleaned, stopped, started again) and the clean-up offer otherwise; levels out of the range
 * refused — and every key used has words in both languages.
 */
import { describe, expect, it } from 'vitest';
import type { DiskPlaceInfo, DiskStatusInfo } from '../../../electron/shared/contract';
import { diskNotice, type DiskDeed } from '../../../renderer/src/dashboard/disk-notice';
import { parseDiskLevels } from '../../../renderer/src/settings/disk-levels';
import en from '../../../renderer/src/i18n/en.json';
import ja from '../../../renderer/src/i18n/ja.json';

const GB = 1024 ** 3;
const at = '2026-01-01T00:00:00.000Z';
const docker = (freeGB: number, level: DiskPlaceInfo['level']): DiskPlaceInfo => ({
  place: 'docker',
  path: null,
  freeBytes: freeGB * GB,
  totalBytes: 500 * GB,
  level,
});
const backups = (level: DiskPlaceInfo['level']): DiskPlaceInfo => ({
  place: 'backups',
  path: '/home/a/.engawa/backups',
  freeBytes: GB,
  totalBytes: 100 * GB,
  level,
});
const status = (places: DiskPlaceInfo[], stoppedByGuard: string[] = []): DiskStatusInfo => ({
  level: places.some((p) => p.level === 'critical') ? 'critical' : places.some((p) => p.level === 'warning') ? 'warning' : 'ok',
  places,
  checkedAt: at,
  thresholds: { warnBytes: 10 * GB, warnPercent: 10, criticalBytes: 2 * GB },
  stoppedByGuard,
});
const deed = (kind: DiskDeed['kind'], instance: string): DiskDeed => ({ kind, instance, at });
const text = (dict: object, key: string): unknown => key.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], dict);

describe('diskNotice', () => {
  it('says nothing while every place has room, or before a measurement', () => {
    expect(diskNotice(null, [])).toBeNull();
    expect(diskNotice(status([docker(100, 'ok'), backups('ok')]), [])).toBeNull();
  });

  it('a warning on Docker’s disk: the place, the free space and the clean-up offer', () => {
    expect(diskNotice(status([docker(8, 'warning'), backups('ok')]), [])).toEqual({
      tone: 'warn',
      title: 'diskGuard.titleWarning',
      places: [{ place: 'docker', path: null, freeBytes: 8 * GB, totalBytes: 500 * GB, level: 'warning' }],
      did: [],
      offerClean: true,
    });
  });

  it('critical: what Engawa did (cleaned, stopped to protect the database)', () => {
    const v = diskNotice(status([backups('warning'), docker(1, 'critical')], ['blog']), [
      deed('disk-clean', 'blog'),
      deed('disk-clean', 'blog'),
      deed('disk-stop', 'blog'),
    ]);
    expect(v).toMatchObject({ tone: 'error', title: 'diskGuard.titleCritical', offerClean: true });
    expect(v?.places.map((p) => p.place)).toEqual(['docker', 'backups']); // Docker's disk first
    expect(v?.did).toEqual([
      { key: 'diskGuard.didClean', names: ['blog'] },
      { key: 'diskGuard.didStop', names: ['blog'] },
    ]);
  });

  it('space back: says the servers were started again; a low backup disk alone offers no clean-up', () => {
    expect(diskNotice(status([docker(50, 'ok')]), [deed('disk-stop', 'blog'), deed('disk-start', 'blog')])).toEqual({
      tone: 'ok',
      title: 'diskGuard.titleBack',
      places: [],
      did: [{ key: 'diskGuard.didStart', names: ['blog'] }],
      offerClean: false,
    });
    expect(diskNotice(status([docker(50, 'ok'), backups('critical')]), [])).toMatchObject({ tone: 'error', offerClean: false });
  });

  it('has every key it uses in both languages', () => {
    const keys = [
      'titleWarning',
      'titleCritical',
      'titleBack',
      'placeDocker',
      'placeBackups',
      'didClean',
      'didStop',
      'didStart',
      'offerClean',
      'cleanNow',
      'cleaning',
      'cleanDone',
      'cleanFailed',
    ];
    const settingsKeys = ['diskTitle', 'diskWarnGB', 'diskWarnPercent', 'diskCriticalGB', 'diskHelp', 'diskRange', 'diskSave', 'diskInvalid'];
    for (const dict of [en, ja]) {
      for (const k of keys) expect(typeof text(dict, `diskGuard.${k}`), k).toBe('string');
      for (const k of settingsKeys) expect(typeof text(dict, `settings.${k}`), k).toBe('string');
    }
    expect(text(ja, 'diskGuard.didStop')).toMatch(/{{names}}/);
  });
});

describe('parseDiskLevels', () => {
  it('accepts the range (a decimal comma too) and refuses what is out of it', () => {
    expect(parseDiskLevels({ warnGB: '10', warnPercent: '10', criticalGB: '2' })).toEqual({ warnGB: 10, warnPercent: 10, criticalGB: 2 });
    expect(parseDiskLevels({ warnGB: '20', warnPercent: '5', criticalGB: '0,5' })).toEqual({ warnGB: 20, warnPercent: 5, criticalGB: 0.5 });
    for (const bad of [
      { warnGB: '2', warnPercent: '10', criticalGB: '2' },
      { warnGB: '10', warnPercent: '10', criticalGB: '0.4' },
      { warnGB: '10001', warnPercent: '10', criticalGB: '2' },
      { warnGB: '10', warnPercent: '60', criticalGB: '2' },
      { warnGB: '10', warnPercent: '', criticalGB: '2' },
      { warnGB: 'ten', warnPercent: '10', criticalGB: '2' },
    ]) {
      expect(parseDiskLevels(bad)).toBeNull();
    }
  });
});

/**
 * Docker Desktop's "start when you sign in" setting in its settings file: where the file is per OS,
 * reading it, and turning it on by changing that key only (every other key and its order kept,
 * the file replaced atomically), refusing a missing or broken file and leaving it as it was.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  dockerDesktopSettingsFiles,
  readDockerAutostart,
  writeDockerAutostart,
  type DockerDesktopPlace,
} from '../../../electron/core/engine/docker-desktop-settings';

describe('dockerDesktopSettingsFiles', () => {
  it('names settings-store.json, then the older settings.json, in Docker Desktop’s folder per OS', () => {
    expect(dockerDesktopSettingsFiles({ platform: 'darwin', home: '/Users/kei', env: {} })).toEqual([
      '/Users/kei/Library/Group Containers/group.com.docker/settings-store.json',
      '/Users/kei/Library/Group Containers/group.com.docker/settings.json',
    ]);
    expect(dockerDesktopSettingsFiles({ platform: 'win32', home: 'C:\\Users\\kei', env: { APPDATA: 'D:\\Roaming' } })).toEqual([
      'D:\\Roaming\\Docker\\settings-store.json',
      'D:\\Roaming\\Docker\\settings.json',
    ]);
    expect(dockerDesktopSettingsFiles({ platform: 'win32', home: 'C:\\Users\\kei', env: {} })[0]).toBe(
      'C:\\Users\\kei\\AppData\\Roaming\\Docker\\settings-store.json',
    );
    expect(dockerDesktopSettingsFiles({ platform: 'linux', home: '/home/kei', env: {} })).toEqual([
      '/home/kei/.docker/desktop/settings-store.json',
      '/home/kei/.docker/desktop/settings.json',
    ]);
    expect(dockerDesktopSettingsFiles({ platform: 'freebsd', home: '/home/kei', env: {} })).toEqual([]);
  });
});

describe('reading and writing the setting', () => {
  let home: string;
  let dir: string;
  let place: DockerDesktopPlace;
  beforeEach(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'engawa-dd-'));
    dir = path.join(home, '.docker', 'desktop');
    mkdirSync(dir, { recursive: true });
    place = { platform: 'linux', home, env: {} };
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));
  const store = () => path.join(dir, 'settings-store.json');

  it('says there is no file, and refuses to write one', async () => {
    expect(await readDockerAutostart(place)).toEqual({ enabled: null, file: null, reason: 'no-file' });
    await expect(writeDockerAutostart(place, true)).rejects.toMatchObject({ code: 'STATE', details: { reason: 'no-file' } });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reads AutoStart from settings-store.json and turns it on, keeping every other key, their order and the file’s mode', async () => {
    const before = { SettingsVersion: 40, AutoStart: false, MemoryMiB: 4096, FilesharingDirectories: ['/Users'], Proxy: { mode: 'system' } };
    writeFileSync(store(), JSON.stringify(before));
    chmodSync(store(), 0o600);
    expect(await readDockerAutostart(place)).toEqual({ enabled: false, file: store() });
    expect(await writeDockerAutostart(place, true)).toEqual({ enabled: true, file: store() });
    const after = JSON.parse(readFileSync(store(), 'utf8')) as Record<string, unknown>;
    expect(after).toEqual({ ...before, AutoStart: true });
    expect(Object.keys(after)).toEqual(Object.keys(before));
    expect(statSync(store()).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['settings-store.json']); // no temporary file left
    expect(await readDockerAutostart(place)).toEqual({ enabled: true, file: store() });
  });

  it('uses the spelling the file has (autoStart in the older settings.json) and prefers settings-store.json when both exist', async () => {
    const old = path.join(dir, 'settings.json');
    writeFileSync(old, JSON.stringify({ autoStart: false, cpus: 2 }));
    expect(await readDockerAutostart(place)).toEqual({ enabled: false, file: old });
    await writeDockerAutostart(place, true);
    expect(JSON.parse(readFileSync(old, 'utf8'))).toEqual({ autoStart: true, cpus: 2 });
    writeFileSync(store(), JSON.stringify({ autoStart: true }));
    writeFileSync(old, JSON.stringify({ autoStart: false }));
    expect(await readDockerAutostart(place)).toEqual({ enabled: true, file: store() });
  });

  it('writes nothing when the setting is already as asked', async () => {
    const text = '{"AutoStart":true,"Other":1}';
    writeFileSync(store(), text);
    await writeDockerAutostart(place, true);
    expect(readFileSync(store(), 'utf8')).toBe(text);
  });

  it('says when the file lacks the key, and adds it on a write', async () => {
    writeFileSync(store(), JSON.stringify({ SettingsVersion: 40 }));
    expect(await readDockerAutostart(place)).toEqual({ enabled: null, file: store(), reason: 'no-key' });
    await writeDockerAutostart(place, true);
    expect(JSON.parse(readFileSync(store(), 'utf8'))).toEqual({ SettingsVersion: 40, AutoStart: true });
  });

  it.each([
    ['not JSON', '{"AutoStart": fal'],
    ['an array', '[true]'],
    ['a key that is not a boolean', '{"AutoStart": "yes", "Other": 1}'],
  ])('refuses a file that is %s and leaves it as it was', async (_what, text) => {
    writeFileSync(store(), text);
    expect(await readDockerAutostart(place)).toEqual({ enabled: null, file: store(), reason: 'unreadable' });
    const err = await writeDockerAutostart(place, true).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STATE', details: { reason: 'unreadable', file: store() } });
    expect((err as Error).message).toContain('left it as it was');
    expect(readFileSync(store(), 'utf8')).toBe(text);
  });
});

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { engawaHome, instanceFile, lockFile, secretFile } from '../../../electron/core/instances/home';

describe('engawaHome', () => {
  it('uses ENGAWA_HOME when set, on every platform', () => {
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      expect(engawaHome({ ENGAWA_HOME: '/data/engawa', APPDATA: 'C:\\x' }, platform, '/home/u')).toBe(path.resolve('/data/engawa'));
    }
  });

  it('uses Application Support on macOS', () => {
    expect(engawaHome({}, 'darwin', '/Users/aiko')).toBe('/Users/aiko/Library/Application Support/Engawa');
  });

  it('uses %APPDATA% on Windows, or AppData\\Roaming under the home folder without it', () => {
    expect(engawaHome({ APPDATA: 'C:\\Users\\aiko\\AppData\\Roaming' }, 'win32', 'C:\\Users\\aiko')).toBe('C:\\Users\\aiko\\AppData\\Roaming\\Engawa');
    expect(engawaHome({}, 'win32', 'C:\\Users\\aiko')).toBe('C:\\Users\\aiko\\AppData\\Roaming\\Engawa');
  });

  it('uses $XDG_DATA_HOME on Linux, or ~/.local/share, ignoring a relative XDG_DATA_HOME', () => {
    expect(engawaHome({ XDG_DATA_HOME: '/xdg' }, 'linux', '/home/aiko')).toBe('/xdg/engawa');
    expect(engawaHome({}, 'linux', '/home/aiko')).toBe('/home/aiko/.local/share/engawa');
    expect(engawaHome({ XDG_DATA_HOME: 'relative' }, 'linux', '/home/aiko')).toBe('/home/aiko/.local/share/engawa');
  });
});

describe('layout', () => {
  it('puts records, secrets and locks in their folders', () => {
    expect(instanceFile('/h', 'blog')).toBe(path.join('/h', 'instances', 'blog.json'));
    expect(secretFile('/h', 'blog')).toBe(path.join('/h', 'secrets', 'blog.json'));
    expect(lockFile('/h', 'blog')).toBe(path.join('/h', 'locks', 'blog.lock'));
  });

  it('refuses names that would escape the folder', () => {
    for (const bad of ['../x', 'a/b', '', '.hidden', 'a\\b']) {
      expect(() => instanceFile('/h', bad)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });
});

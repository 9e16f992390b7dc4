/** Launch at login: XDG autostart on Linux (temporary HOME), login items elsewhere, hidden start. */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { autostartFile, desktopEntry, linuxAutostartEnabled } from '../../../electron/core/api/autostart';
import { applyLaunchAtLogin, startedHidden } from '../../../electron/adapters/login-item';

let homedir: string;
beforeEach(async () => {
  homedir = await mkdtemp(path.join(os.tmpdir(), 'engawa-autostart-'));
});
afterEach(() => rm(homedir, { recursive: true, force: true }));

const fakeApp = () => ({ setLoginItemSettings: vi.fn(), getLoginItemSettings: vi.fn(() => ({ wasOpenedAtLogin: false }) as never) });

describe('Linux autostart', () => {
  it('writes ~/.config/autostart/engawa.desktop starting the AppImage hidden, and removes it', async () => {
    const app = fakeApp();
    const env = { APPIMAGE: '/home/me/Apps/Engawa 1.0.AppImage' };
    await applyLaunchAtLogin(true, { app, platform: 'linux', env, executable: '/tmp/.mount/engawa', homedir });
    const file = path.join(homedir, '.config', 'autostart', 'engawa.desktop');
    const text = await readFile(file, 'utf8');
    expect(text).toContain('[Desktop Entry]\nType=Application\nName=Engawa\n');
    expect(text).toContain('Exec="/home/me/Apps/Engawa 1.0.AppImage" --hidden\n');
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    expect(await linuxAutostartEnabled({ env, homedir })).toBe(true);
    await applyLaunchAtLogin(false, { app, platform: 'linux', env, executable: '/x', homedir });
    expect(await linuxAutostartEnabled({ env, homedir })).toBe(false);
    await applyLaunchAtLogin(false, { app, platform: 'linux', env, executable: '/x', homedir }); // already off: fine
    expect(app.setLoginItemSettings).not.toHaveBeenCalled();
  });

  it('honours an absolute XDG_CONFIG_HOME and ignores a relative one', () => {
    expect(autostartFile({ XDG_CONFIG_HOME: '/cfg' }, '/home/me')).toBe('/cfg/autostart/engawa.desktop');
    expect(autostartFile({ XDG_CONFIG_HOME: 'cfg' }, '/home/me')).toBe('/home/me/.config/autostart/engawa.desktop');
  });

  it('quotes Exec arguments as the Desktop Entry spec says', () => {
    expect(desktopEntry(['/opt/engawa', '--hidden'])).toContain('Exec=/opt/engawa --hidden\n');
    expect(desktopEntry(['/a b/$x"y`z\\', '100%'])).toContain('Exec="/a b/\\$x\\"y\\`z\\\\" 100%%\n');
  });
});

describe('login items on macOS and Windows', () => {
  it('uses Electron login items with --hidden', async () => {
    const app = fakeApp();
    await applyLaunchAtLogin(true, { app, platform: 'win32', env: {}, executable: 'C:\\Engawa.exe', homedir });
    await applyLaunchAtLogin(false, { app, platform: 'darwin', env: {}, executable: '/Applications/Engawa.app', homedir });
    expect(app.setLoginItemSettings.mock.calls).toEqual([[{ openAtLogin: true, args: ['--hidden'] }], [{ openAtLogin: false, args: [] }]]);
  });

  it('starts hidden when launched with --hidden, or by macOS at login', () => {
    const app = fakeApp();
    expect(startedHidden(['engawa', '--hidden'], { app, platform: 'win32' })).toBe(true);
    expect(startedHidden(['engawa'], { app, platform: 'win32' })).toBe(false);
    app.getLoginItemSettings.mockReturnValue({ wasOpenedAtLogin: true } as never);
    expect(startedHidden(['engawa'], { app, platform: 'darwin' })).toBe(true);
  });
});

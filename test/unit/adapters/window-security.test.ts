/**
 * The main window's webPreferences, exactly: any weakened or added option (nodeIntegration,
 * sandbox off, webviewTag, allowRunningInsecureContent, experimentalFeatures …) fails this test.
 * @see https://www.electronjs.org/docs/latest/tutorial/security
 */
import { describe, expect, it, vi } from 'vitest';

const created = vi.hoisted(() => [] as { webPreferences?: Record<string, unknown> }[]);
vi.mock('electron', () => ({
  shell: {},
  protocol: {},
  BrowserWindow: class {
    constructor(options: { webPreferences?: Record<string, unknown> }) {
      created.push(options);
    }
    once(): void {}
    loadURL(): Promise<void> {
      return Promise.resolve();
    }
  },
}));
const { createMainWindow } = await import('../../../electron/adapters/window');

describe('main window security', () => {
  it('has exactly the secure webPreferences and nothing else', () => {
    createMainWindow('/app/preload.cjs');
    expect(created[0]?.webPreferences).toEqual({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    });
  });
});

/**
 * The main window's webPreferences, exactly: any weakened or added option (nodeIntegration,
 * sandbox off, webviewTag, allowRunningInsecureContent, experimentalFeatures …) fails this test.
 * @see https://www.electronjs.org/docs/latest/tutorial/security
 */
import { describe, expect, it } from 'vitest';
import { createMainWindow } from '../../../electron/adapters/window';

const created: { webPreferences?: Record<string, unknown> }[] = [];
class FakeWindow {
  constructor(options: { webPreferences?: Record<string, unknown> }) {
    created.push(options);
  }
  once(): void {}
  loadURL(): Promise<void> {
    return Promise.resolve();
  }
}

describe('main window security', () => {
  it('has exactly the secure webPreferences and nothing else', () => {
    createMainWindow(FakeWindow as never, '/app/preload.cjs');
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

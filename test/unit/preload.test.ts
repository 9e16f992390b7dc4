/** The preload (electron/preload.ts) exposes exactly `window.engawa` and unwraps the result envelope. */
import { describe, expect, it, vi } from 'vitest';
import type { ApiResult, AppInfo, EngawaBridge } from '../../electron/shared/contract';

async function loadPreload(reply: ApiResult<AppInfo>) {
  const exposed = new Map<string, unknown>();
  const invoked: unknown[][] = [];
  vi.resetModules();
  vi.doMock('electron', () => ({
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
    ipcRenderer: {
      invoke: async (...args: unknown[]) => {
        invoked.push(args);
        return reply;
      },
    },
  }));
  await import('../../electron/preload');
  return { exposed, invoked, bridge: exposed.get('engawa') as EngawaBridge };
}

describe('preload', () => {
  it('exposes only window.engawa, whose info() resolves to the value', async () => {
    const { exposed, invoked, bridge } = await loadPreload({ ok: true, value: { version: '1.0.0', platform: 'darwin' } });
    expect([...exposed.keys()]).toEqual(['engawa']);
    expect(Object.keys(bridge)).toEqual(['info']);
    await expect(bridge.info()).resolves.toEqual({ version: '1.0.0', platform: 'darwin' });
    expect(invoked).toEqual([['api:app.info']]);
  });

  it('rejects with "[CODE] message" when the main process answers an error', async () => {
    const { bridge } = await loadPreload({ ok: false, error: { code: 'FORBIDDEN', message: 'Not allowed.' } });
    await expect(bridge.info()).rejects.toThrow('[FORBIDDEN] Not allowed.');
  });
});

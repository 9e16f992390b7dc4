/** The preload (electron/preload.ts) exposes exactly `window.engawa`: invoke and on, built from the contract lists. */
import { describe, expect, it, vi } from 'vitest';
import type { EngawaTransport } from '../../electron/shared/contract';

async function loadPreload(reply: unknown) {
  const exposed = new Map<string, unknown>();
  const invoked: unknown[][] = [];
  vi.resetModules();
  vi.doMock('electron', () => ({
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
    ipcRenderer: {
      on: () => {},
      invoke: async (...args: unknown[]) => {
        invoked.push(args);
        return reply;
      },
    },
  }));
  await import('../../electron/preload');
  return { exposed, invoked, bridge: exposed.get('engawa') as EngawaTransport };
}

describe('preload', () => {
  it('exposes only window.engawa, whose invoke sends the method on its channel and resolves to the envelope', async () => {
    const reply = { ok: true, value: { version: '1.0.0', platform: 'darwin', shell: 'electron', systemLanguages: [] } };
    const { exposed, invoked, bridge } = await loadPreload(reply);
    expect([...exposed.keys()]).toEqual(['engawa']);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'on']);
    await expect(bridge.invoke('app.info')).resolves.toEqual(reply);
    await bridge.invoke('instances.start', { name: 'blog' });
    expect(invoked).toEqual([
      ['api:app.info', undefined],
      ['api:instances.start', { name: 'blog' }],
    ]);
  });

  it('passes error envelopes through unchanged', async () => {
    const reply = { ok: false, error: { code: 'FORBIDDEN', message: 'Not allowed.' } };
    const { bridge } = await loadPreload(reply);
    await expect(bridge.invoke('settings.get')).resolves.toEqual(reply);
  });
});

/**
 * IPC adapter + preload over an in-memory IPC pair: one handler per contract method, the sender
 * frame checked on every call, events only to the page, listeners get the payload only.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { API_EVENTS, API_METHODS, type EngawaTransport } from '../../../electron/shared/contract';
import { registerIpc } from '../../../electron/adapters/ipc';
import { createIpcPair, type IpcPair } from '../../stubs/electron';
import { fakeCore, type FakeCore } from '../api/fake-core';

let f: FakeCore;
let pair: IpcPair;
let bridge: EngawaTransport;
let unregister: () => void;

beforeEach(async () => {
  f = await fakeCore();
  pair = createIpcPair();
  unregister = registerIpc(pair.ipcMain as never, f.core);
  vi.resetModules();
  vi.doMock('electron', () => ({ contextBridge: pair.contextBridge, ipcRenderer: pair.ipcRenderer }));
  await import('../../../electron/preload');
  bridge = pair.exposed.get('engawa') as EngawaTransport;
});
afterEach(async () => {
  unregister();
  await f.cleanup();
});

describe('IPC adapter and preload', () => {
  it('registers exactly one channel per contract method, and the preload exposes only invoke and on', () => {
    expect(pair.channels().sort()).toEqual(API_METHODS.map((m) => `api:${m}`).sort());
    expect([...pair.exposed.keys()]).toEqual(['engawa']);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'on']);
  });

  it('answers our own top-level page', async () => {
    expect(await bridge.invoke('app.info')).toEqual({ ok: true, value: expect.objectContaining({ version: '9.9.9' }) });
  });

  it.each([
    ['a foreign page', { url: 'https://evil.example/', parent: null }],
    ['a look-alike host', { url: 'app://engawa.evil/index.html', parent: null }],
    ['a sub-frame of our page', { url: 'app://engawa/index.html', parent: {} }],
    ['a file:// page', { url: 'file:///index.html', parent: null }],
  ])('refuses %s with FORBIDDEN', async (_what, frame) => {
    Object.assign(pair.frame, frame);
    expect(await bridge.invoke('settings.get')).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: 'This page is not allowed to use Engawa.' } });
  });

  it('rejects unknown methods and events in the preload', async () => {
    expect(await bridge.invoke('shell.exec' as never)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(() => bridge.on('ipc.raw' as never, () => {})).toThrow('There is no event "ipc.raw".');
  });

  it('pushes events to the page, payload only, until the listener is removed', async () => {
    const got: unknown[][] = [];
    const off = bridge.on('settings.changed', (...args: unknown[]) => got.push(args));
    await bridge.invoke('settings.set', { notifications: false });
    off();
    await bridge.invoke('settings.set', { notifications: true });
    expect(got).toEqual([[expect.objectContaining({ notifications: false })]]);
    expect(API_EVENTS).toContain('settings.changed');
  });

  it('ends the page’s session when the page goes away', async () => {
    await bridge.invoke('instances.list');
    const sent = vi.spyOn(pair.sender, 'send');
    pair.destroy();
    await bridge.invoke('settings.set', { notifications: false }).catch(() => undefined);
    expect(sent).not.toHaveBeenCalled();
  });
});

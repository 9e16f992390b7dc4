/** The tray's Back up now with no kept passphrase: the shell pushes app.show and the window opens the server's Backups tab, asking. */
import { describe, expect, it } from 'vitest';
import type { AppSettings, InstanceSummary } from '../../../electron/shared/contract';
import { createAppStore } from '../../../renderer/src/store/app-store';
import { fakeApi } from './fake-api';

const settings: AppSettings = { language: null, launchAtLogin: false, notifications: true, allowPlainTextSecrets: false };
const summary = (name: string): InstanceSummary => ({
  name,
  stack: 'test-web',
  domain: `${name}.example.com`,
  state: 'running',
  createdAt: '2026-01-01T00:00:00.000Z',
  localUrl: 'http://127.0.0.1:28001',
  publicUrl: null,
});

describe('app.show', () => {
  it('switches the window to that server’s Backups tab, asking for the passphrase', async () => {
    const api = fakeApi({
      'app.info': () => ({ version: '1', platform: 'linux', shell: 'electron', systemLanguages: ['en-US'] }),
      'settings.get': () => settings,
      'instances.list': () => [summary('home'), summary('blog')],
      'ops.list': () => [],
      'instances.status': (input) => ({ ...summary((input as { name: string }).name), services: [] }),
    });
    const store = createAppStore(api, { schedule: () => {} });
    await store.getState().init();
    expect(store.getState().view).toEqual({ screen: 'dashboard', instance: 'home' });
    api.emit('app.show', { instance: 'blog', tab: 'backups', ask: 'passphrase' });
    expect(store.getState().view).toEqual({ screen: 'dashboard', instance: 'blog', tab: 'backups', ask: 'passphrase' });
  });
});

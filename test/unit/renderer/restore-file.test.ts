/**
 * The rules of "Restore a server from a backup file" (renderer/src/backups/restore-file.ts): each
 * refusal of the core gets its own explanation, the chosen name makes, replaces or clashes, the
 * restore waits for the tunnel credential a backup lacks, and the restore call never asks the core
 * to keep the passphrase. Also the store: the restore screen, and the server list read again once
 * a restore made a server.
 */
import { describe, expect, it } from 'vitest';
import type { ApiError, BackupPreview, InstanceSummary, TunnelTokenCheck } from '../../../electron/shared/contract';
import {
  backupErrorKey,
  cleanPath,
  noFileChooser,
  restoreInput,
  restoreProblem,
  restoreTarget,
  type RestoreForm,
} from '../../../renderer/src/backups/restore-file';
import { createAppStore } from '../../../renderer/src/store/app-store';
import { fakeApi } from './fake-api';

const preview: BackupPreview = {
  file: '/media/usb/blog-20250304T050607000Z.engawa.age',
  stack: 'test-web',
  stackName: 'Test web stack',
  stackVersion: '1.0.0',
  name: 'blog',
  domain: 'blog.example.com',
  createdAt: '2025-03-04T05:06:07.000Z',
  bytes: 12345,
  accounts: [],
  tunnel: 'none',
  publicUrl: null,
};
const form = (over: Partial<RestoreForm> = {}): RestoreForm => ({ name: 'blog', apiToken: '', apiCheck: null, tunnelToken: '', ...over });
const server = (name: string, domain = `${name}.example.com`, stack = 'test-web'): InstanceSummary => ({
  name,
  stack,
  domain,
  state: 'running',
  createdAt: '2025-01-01T00:00:00.000Z',
  localUrl: 'http://127.0.0.1:28001',
  publicUrl: null,
});
const err = (code: ApiError['code'], details?: Record<string, unknown>): ApiError => ({ code, message: 'x', ...(details && { details }) });

describe('refusals', () => {
  it('name the reason the core gave', () => {
    expect(backupErrorKey(err('INVALID_INPUT', { reason: 'passphrase' }))).toBe('wrongPassphrase');
    expect(backupErrorKey(err('INVALID_INPUT', { reason: 'format' }))).toBe('notBackup');
    expect(backupErrorKey(err('INVALID_INPUT', { reason: 'damaged' }))).toBe('damaged');
    expect(backupErrorKey(err('INVALID_INPUT', { reason: 'newer-format' }))).toBe('newer');
    expect(backupErrorKey(err('INVALID_INPUT', { path: 'file', reason: 'file-name' }))).toBe('fileName');
    expect(backupErrorKey(err('NOT_FOUND', { path: 'file', reason: 'no-file' }))).toBe('noFile');
    expect(backupErrorKey(err('INVALID_INPUT', { reason: 'tunnel-token', path: 'apiToken' }))).toBe('tunnelToken');
  });

  it('leave other errors to the generic notice, and tell the missing file chooser apart', () => {
    expect(backupErrorKey(err('ENGINE_UNREACHABLE'))).toBeNull();
    expect(backupErrorKey(err('STATE', { reason: 'passphrase' }))).toBeNull(); // no kept passphrase: not a wrong one
    expect(backupErrorKey(err('INVALID_INPUT', { reason: 'something new' }))).toBeNull();
    expect(noFileChooser(err('STATE', { reason: 'no-file-dialog' }))).toBe(true);
    expect(noFileChooser(err('STATE', { reason: 'passphrase' }))).toBe(false);
  });
});

describe('the path typed', () => {
  it('loses spaces and the quotes of Windows’ “Copy as path”', () => {
    expect(cleanPath('  /media/usb/a.engawa.age ')).toBe('/media/usb/a.engawa.age');
    expect(cleanPath('"C:\\Users\\me\\a.engawa.age"')).toBe('C:\\Users\\me\\a.engawa.age');
    expect(cleanPath("'/tmp/a b.engawa.age'")).toBe('/tmp/a b.engawa.age');
    expect(cleanPath('"half')).toBe('"half');
  });
});

describe('the name to restore under', () => {
  it('makes a new server, replaces one of the same network and domain, or clashes with another', () => {
    expect(restoreTarget(preview, 'blog', [])).toEqual({ kind: 'new' });
    expect(restoreTarget(preview, ' blog ', [server('blog')]).kind).toBe('replace');
    expect(restoreTarget(preview, 'blog', [server('blog', 'other.example.com')]).kind).toBe('clash');
    expect(restoreTarget(preview, 'blog', [server('blog', 'blog.example.com', 'mastodon')]).kind).toBe('clash');
    expect(restoreProblem(preview, form(), [server('blog', 'other.example.com')])).toBe('clash');
    expect(restoreProblem(preview, form({ name: 'Blog!' }), [])).toBe('name');
    expect(restoreProblem(preview, form({ name: 'blog-2' }), [server('blog', 'other.example.com')])).toBeNull();
  });
});

describe('a backup that lacks its tunnel’s API token', () => {
  const tunnelled: BackupPreview = { ...preview, tunnel: 'api', publicUrl: 'https://blog.example.com', tunnelNeeds: 'apiToken' };
  const check = (zones: string[], missing: TunnelTokenCheck['missing'] = []): TunnelTokenCheck => ({
    zones: zones.map((name) => ({ name, status: 'active', nameServers: [] })),
    missing,
  });

  it('waits for a checked token that can reach the server’s domain', () => {
    expect(restoreProblem(tunnelled, form(), [])).toBe('noApiToken');
    expect(restoreProblem(tunnelled, form({ apiToken: 'tok' }), [])).toBe('notVerified');
    expect(restoreProblem(tunnelled, form({ apiToken: 'tok', apiCheck: check(['example.com'], [{ permission: 'dns', label: 'DNS' }]) }), [])).toBe(
      'tokenPermissions',
    );
    expect(restoreProblem(tunnelled, form({ apiToken: 'tok', apiCheck: check(['elsewhere.org']) }), [])).toBe('tokenZone');
    expect(restoreProblem(tunnelled, form({ apiToken: 'tok', apiCheck: check(['example.com']) }), [])).toBeNull();
  });

  it('sends the token for a new server only: a server it replaces keeps its own', () => {
    const ready = form({ apiToken: ' tok ', apiCheck: check(['example.com']) });
    expect(restoreInput(tunnelled, 'pass phrase', ready, [])).toEqual({
      file: tunnelled.file,
      name: 'blog',
      passphrase: 'pass phrase',
      keepPassphrase: false,
      apiToken: 'tok',
    });
    expect(restoreProblem(tunnelled, form(), [server('blog')])).toBeNull();
    expect(restoreInput(tunnelled, 'pass phrase', form(), [server('blog')])).not.toHaveProperty('apiToken');
  });

  it('asks for the tunnel token of the user’s own tunnel the same way', () => {
    const own: BackupPreview = { ...preview, tunnel: 'token', publicUrl: 'https://blog.example.com', tunnelNeeds: 'tunnelToken' };
    expect(restoreProblem(own, form(), [])).toBe('noTunnelToken');
    expect(restoreInput(own, 'p', form({ tunnelToken: ' eyJabc ' }), [])).toMatchObject({ tunnelToken: 'eyJabc', keepPassphrase: false });
  });
});

describe('the store', () => {
  it('opens the restore screen and reads the servers again when a restore made one', async () => {
    let servers: InstanceSummary[] = [];
    const api = fakeApi({
      'app.info': () => ({ version: '1', platform: 'linux', shell: 'browser', systemLanguages: ['en'] }),
      'settings.get': () => ({ language: null, launchAtLogin: false, notifications: true, allowPlainTextSecrets: false }),
      'instances.list': () => servers,
      'ops.list': () => [],
    });
    const store = createAppStore(api);
    await store.getState().init();
    store.getState().show({ screen: 'restore' });
    expect(store.getState().view).toEqual({ screen: 'restore' });
    servers = [server('blog')];
    api.emit('op.done', { opId: 'op-1', op: 'restore', instance: 'blog' });
    await new Promise((r) => setTimeout(r, 0));
    expect(store.getState().instances.map((i) => i.name)).toEqual(['blog']);
    expect(store.getState().view).toEqual({ screen: 'restore' }); // the screen itself opens the dashboard
  });
});

/**
 * The rules of a server's update card (renderer/src/dashboard/update-card.ts): what it offers,
 * which release notes it links, how durations read, when Update may be pressed, what a rollback
 * loses, and what a ROLLED_BACK failure says; the update (and backup) steps' names; a refused
 * backup of a release Engawa no longer runs; and the tray's security item opening the overview.
 */
import { describe, expect, it } from 'vitest';
import type { ApiError, AppSettings, InstanceSummary, InstanceUpdateInfo } from '../../../electron/shared/contract';
import { backupErrorKey } from '../../../renderer/src/backups/restore-file';
import {
  dataMovesOf,
  durationOf,
  lostRows,
  passphraseNeeded,
  policyBlocked,
  releaseNotes,
  rolledBack,
  updateBlocked,
  updateOffer,
} from '../../../renderer/src/dashboard/update-card';
import en from '../../../renderer/src/i18n/en.json';
import ja from '../../../renderer/src/i18n/ja.json';
import { stepText } from '../../../renderer/src/lib/steps';
import { createAppStore } from '../../../renderer/src/store/app-store';
import { fakeApi } from './fake-api';

const info = (over: Partial<InstanceUpdateInfo> = {}): InstanceUpdateInfo => ({
  name: 'blog',
  stack: 'test-web',
  current: '1.0.0',
  target: '1.1.0',
  steps: [{ from: '1.0.0', to: '1.1.0', security: true, notesUrl: 'https://example.com/notes', services: ['web'], dataMoves: [] }],
  security: true,
  newest: '1.1.0',
  downloadBytes: 0,
  downtimeS: 30,
  passphraseKept: false,
  ...over,
});
const err = (code: ApiError['code'], details?: Record<string, unknown>): ApiError => ({ code, message: 'x', ...(details && { details }) });

describe('updateOffer', () => {
  it('offers the update, its end when unfinished, or nothing when up to date', () => {
    expect(updateOffer(info())).toEqual({ kind: 'available', from: '1.0.0', to: '1.1.0', security: true });
    expect(updateOffer(info({ current: '1.1.0', target: undefined, steps: [], security: false }))).toEqual({ kind: 'upToDate', current: '1.1.0' });
    // a newer release it cannot reach from its own: up to date, saying so
    expect(updateOffer(info({ target: undefined, steps: [], security: false }))).toEqual({ kind: 'upToDate', current: '1.0.0', newest: '1.1.0' });
    expect(updateOffer(info({ unfinished: { to: '1.1.0', phase: 'switching' } }))).toEqual({ kind: 'unfinished', to: '1.1.0' });
    const error = err('NOT_FOUND');
    expect(updateOffer(info({ error }))).toEqual({ kind: 'unknown', error });
  });
});

describe('release notes and costs', () => {
  it('links https notes only, one per release on the way', () => {
    const steps = [
      { from: '1.0.0', to: '1.1.0', security: false, notesUrl: 'https://example.com/1.1', services: [], dataMoves: ['db'] },
      { from: '1.1.0', to: '1.2.0', security: true, notesUrl: 'javascript:alert(1)', services: [], dataMoves: ['db'] },
      { from: '1.2.0', to: '1.3.0', security: false, services: [], dataMoves: [] },
    ];
    expect(releaseNotes(info({ steps }))).toEqual([{ version: '1.1.0', url: 'https://example.com/1.1' }]);
    expect(dataMovesOf(info({ steps }))).toEqual(['db']);
  });

  it('reads durations in seconds under a minute and a half, else in minutes', () => {
    expect(durationOf(30)).toEqual({ key: 'serverUpdate.seconds', n: 30 });
    expect(durationOf(0.2)).toEqual({ key: 'serverUpdate.seconds', n: 1 });
    expect(durationOf(89.4)).toEqual({ key: 'serverUpdate.seconds', n: 89 });
    expect(durationOf(300)).toEqual({ key: 'serverUpdate.minutes', n: 5 });
    expect(durationOf(330)).toEqual({ key: 'serverUpdate.minutes', n: 6 });
  });
});

describe('updateBlocked', () => {
  const available = updateOffer(info());
  it('waits for a running server, a passphrase of 12 or more when none is kept, and no other operation', () => {
    expect(updateBlocked(available, 'running', false, '', false)).toBe('passphrase');
    expect(updateBlocked(available, 'running', false, 'short', false)).toBe('passphrase');
    expect(updateBlocked(available, 'running', false, 'long enough pass', false)).toBeNull();
    expect(updateBlocked(available, 'running', true, '', false)).toBeNull();
    expect(updateBlocked(available, 'stopped', true, '', false)).toBe('notRunning');
    expect(updateBlocked(available, 'running', true, '', true)).toBe('busy');
    expect(updateBlocked(updateOffer(info({ target: undefined })), 'running', true, '', false)).toBe('nothing');
  });

  it('lets an unfinished update be finished on a stopped server', () => {
    expect(updateBlocked(updateOffer(info({ unfinished: { to: '1.1.0', phase: 'switching' } })), 'stopped', true, '', false)).toBeNull();
  });
});

describe('policyBlocked', () => {
  it('saves notify at once; automatic updates need a valid hour and, when none is kept, a passphrase of 12 or more', () => {
    expect(policyBlocked('notify', '', false, '')).toBeNull();
    expect(policyBlocked('auto-security', '', true, '')).toBe('at');
    expect(policyBlocked('auto-security', '24:00', true, '')).toBe('at');
    expect(policyBlocked('auto-security', '04:00', true, '')).toBeNull();
    expect(policyBlocked('auto-security', '04:00', false, 'short')).toBe('passphrase');
    expect(policyBlocked('auto-security', '23:59', false, 'long enough pass')).toBeNull();
  });
});

describe('rollback', () => {
  it('counts the rows added since the backup, and those it could not measure', () => {
    const since = [
      { table: 'db/notes', then: 3, now: 5 },
      { table: 'db/users', then: 2, now: 2 },
      { table: 'db/likes', then: 4, now: -1 },
    ];
    expect(lostRows({ name: 'blog', current: '1.1.0', to: '1.0.0', backup: '/b', backupAt: '2025-01-01T00:00:00.000Z', since })).toEqual([
      { table: 'db/notes', added: 2 },
      { table: 'db/likes', added: null },
    ]);
  });

  it('reads a ROLLED_BACK failure: its releases, the service and its last lines', () => {
    const details = { from: '1.0.0', to: '1.1.0', service: 'web', lastLogLines: ['a', 'b'], logFile: '/l/x.log', backup: '/b/x' };
    expect(rolledBack(err('ROLLED_BACK', details))).toEqual({ from: '1.0.0', to: '1.1.0', service: 'web', lines: ['a', 'b'], logFile: '/l/x.log' });
    expect(rolledBack(err('ROLLED_BACK', { from: '1.0.0', to: '1.1.0' }))).toEqual({ from: '1.0.0', to: '1.1.0', lines: [] });
    expect(rolledBack(err('ROLLED_BACK'))).toBeNull();
    expect(rolledBack(err('UNHEALTHY', details))).toBeNull();
  });

  it('knows when the core asks for the passphrase', () => {
    expect(passphraseNeeded(err('INVALID_INPUT', { reason: 'passphrase-needed' }))).toBe(true);
    expect(passphraseNeeded(err('INVALID_INPUT', { reason: 'unknown-release' }))).toBe(false);
    expect(passphraseNeeded(err('STATE', { reason: 'passphrase-needed' }))).toBe(false);
  });
});

describe('update steps', () => {
  it('are named in the user’s language, with their release', () => {
    expect(stepText('Switch to 1.1.0')).toEqual({ key: 'progress.step.update.switchTo', values: { version: '1.1.0' } });
    expect(stepText('Back up before the update to 1.1.0')).toEqual({ key: 'progress.step.update.backUp', values: { version: '1.1.0' } });
    expect(stepText('Move the data of db to the new format')).toEqual({ key: 'progress.step.update.moveData', values: { volumes: 'db' } });
    expect(stepText('Check the backup')).toEqual({ key: 'progress.step.update.checkBackup', values: {} });
    expect(stepText('Check the backup file')).toEqual({ key: 'progress.step.backup.checkFile', values: {} });
    expect(stepText('Dump the database of db')).toEqual({ key: 'progress.step.backup.dumpDb', values: { service: 'db' } });
    expect(stepText('Copy the storage "redis"')).toEqual({ key: 'progress.step.backup.copyVolume', values: { volume: 'redis' } });
    expect(ja.progress.step.update.switchTo).toBe('{{version}} に切り替え');
    expect(en.progress.step.update.goBack).toBe('Go back to {{version}}');
  });
});

describe('a backup of a release Engawa no longer runs', () => {
  it('has its own explanation', () => {
    expect(backupErrorKey(err('INVALID_INPUT', { reason: 'old-stack' }))).toBe('oldStack');
    expect(en.restoreFile.error.oldStack.title).toMatch(/no longer runs/);
  });
});

describe('app.show', () => {
  it('opens a server’s overview (the tray’s security update)', async () => {
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
    const api = fakeApi({
      'app.info': () => ({ version: '1', platform: 'linux', shell: 'electron', systemLanguages: ['en-US'] }),
      'settings.get': () => settings,
      'instances.list': () => [summary('home'), summary('blog')],
      'ops.list': () => [],
      'instances.status': (input) => ({ ...summary((input as { name: string }).name), services: [] }),
    });
    const store = createAppStore(api, { schedule: () => {} });
    await store.getState().init();
    api.emit('app.show', { instance: 'blog', tab: 'overview' });
    expect(store.getState().view).toEqual({ screen: 'dashboard', instance: 'blog', tab: 'overview' });
  });
});

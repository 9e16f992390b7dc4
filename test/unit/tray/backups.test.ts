/** The tray's backup parts: "Back up now" enabled, what it does, and which events notify. */
import { describe, expect, it } from 'vitest';
import type { ApiEventMessage } from '../../../electron/shared/contract';
import { backUpNow } from '../../../electron/core/tray/backup-now';
import { trayModel, type TrayMenuItem } from '../../../electron/core/tray/model';
import { backupOutcome } from '../../../electron/core/tray/notify';

const t = (key: string) => key;
const backupItem = (menu: TrayMenuItem[]) => menu.find((i) => i.kind === 'item' && i.label === 'tray.menu.backup') as Extract<TrayMenuItem, { kind: 'item' }>;

describe('Back up now', () => {
  it('is enabled for a running server once backups are on', () => {
    const running = [{ name: 'blog', domain: 'example.com', state: 'running' as const, url: null }];
    expect(backupItem(trayModel(running, t, { backups: true }).menu)).toMatchObject({ enabled: true, action: { type: 'backup', name: 'blog' } });
    expect(backupItem(trayModel(running, t).menu).enabled).toBe(false);
    expect(backupItem(trayModel([{ ...running[0]!, state: 'stopped' }], t, { backups: true }).menu).enabled).toBe(false);
  });

  it('backs up with the kept passphrase, or asks for one without starting anything', async () => {
    const calls: string[] = [];
    const call = (kept: boolean) => async (method: string) => {
      calls.push(method);
      return (method === 'backups.list' ? { passphraseSet: kept } : { opId: 'x' }) as never;
    };
    expect(await backUpNow(call(true), 'blog')).toBe('started');
    expect(calls).toEqual(['backups.list', 'backups.create']);
    calls.length = 0;
    expect(await backUpNow(call(false), 'blog')).toBe('needs-passphrase');
    expect(calls).toEqual(['backups.list']);
  });
});

describe('backupOutcome', () => {
  it('tells backups that ended, and nothing else', () => {
    const done: ApiEventMessage = { event: 'op.done', payload: { opId: '1', op: 'backup', instance: 'blog' } };
    const failed: ApiEventMessage = {
      event: 'op.failed',
      payload: { opId: '2', op: 'backup', instance: 'blog', error: { code: 'DISK_FULL', message: 'No room.' } },
    };
    const other: ApiEventMessage = { event: 'op.done', payload: { opId: '3', op: 'start', instance: 'blog' } };
    expect(backupOutcome(done)).toEqual({ name: 'blog', ok: true });
    expect(backupOutcome(failed)).toEqual({ name: 'blog', ok: false, reason: 'No room.' });
    expect(backupOutcome(other)).toBeNull();
  });
});

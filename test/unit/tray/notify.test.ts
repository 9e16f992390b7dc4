/** Which state changes raise a desktop notification. */
import { describe, expect, it } from 'vitest';
import type { ApiEventMessage } from '../../../electron/shared/contract';
import {
  backupNotification,
  checkNotification,
  clockNotification,
  watchNotification,
  securityNotification,
  stateNotification,
  updateNotification,
  updateOutcome,
} from '../../../electron/core/tray/notify';
import { translator } from '../../../electron/core/tray/strings';
import en from '../../../renderer/src/i18n/en.json';

const t = translator(en);

describe('stateNotification', () => {
  it('tells when an instance fails, once', () => {
    expect(stateNotification('blog', 'running', 'error', t)).toEqual({ title: 'blog has a problem', body: en.notify.instanceFailed.body, instance: 'blog' });
    expect(stateNotification('blog', 'creating', 'error', t)?.title).toBe('blog has a problem');
    expect(stateNotification('blog', 'error', 'error', t)).toBeNull();
  });

  it('tells when a running instance loses a service', () => {
    expect(stateNotification('blog', 'running', 'degraded', t)?.title).toBe('Part of blog stopped');
  });

  it('stays quiet for ordinary changes', () => {
    for (const [a, b] of [
      ['stopped', 'starting'],
      ['starting', 'running'],
      ['running', 'stopping'],
      ['stopping', 'stopped'],
      ['starting', 'degraded'],
      [undefined, 'running'],
    ] as const) {
      expect(stateNotification('blog', a, b, t), `${a} → ${b}`).toBeNull();
    }
  });
});

describe('backupNotification', () => {
  it('says a backup finished, or failed with the reason', () => {
    expect(backupNotification({ name: 'blog', ok: true }, t).title).toBe('Backup of blog finished');
    expect(backupNotification({ name: 'blog', ok: false, reason: 'The disk is full.' }, t)).toEqual({
      title: 'Backup of blog failed',
      body: 'The disk is full.',
      instance: 'blog',
    });
  });
});

describe('securityNotification', () => {
  it('names the server and the release, in both languages', async () => {
    expect(securityNotification('blog', 'v4.7.4', t)).toEqual({
      title: 'Security update for blog',
      body: 'blog can install the security release v4.7.4. Open Engawa to update it: a backup is made first.',
      instance: 'blog',
    });
    const ja = translator((await import('../../../renderer/src/i18n/ja.json')).default);
    expect(securityNotification('blog', 'v4.7.4', ja).body).toContain('v4.7.4');
    expect(securityNotification('blog', 'v4.7.4', ja).title).toBe('blog のセキュリティ更新');
  });
});

describe('update notifications', () => {
  const ended = (event: 'op.done' | 'op.failed', op: 'update' | 'backup', code?: string): ApiEventMessage =>
    (event === 'op.done'
      ? { event, payload: { opId: '1', op, instance: 'blog' } }
      : { event, payload: { opId: '1', op, instance: 'blog', error: { code: code ?? 'DOCKER', message: 'Docker stopped.' } } }) as ApiEventMessage;

  it('tells an update that ended: done, went back by itself, or failed with the reason', async () => {
    expect(updateOutcome(ended('op.done', 'update'))).toEqual({ name: 'blog', ok: true });
    expect(updateOutcome(ended('op.failed', 'update', 'ROLLED_BACK'))).toEqual({ name: 'blog', ok: false, rolledBack: true, reason: 'Docker stopped.' });
    expect(updateOutcome(ended('op.done', 'backup'))).toBeNull();
    expect(updateNotification({ name: 'blog', ok: true }, t)).toEqual({ title: 'blog is updated', body: en.notify.updateDone.body, instance: 'blog' });
    expect(updateNotification({ name: 'blog', ok: false, rolledBack: true }, t).title).toBe('The update of blog did not work');
    expect(updateNotification({ name: 'blog', ok: false, reason: 'Docker stopped.' }, t)).toEqual({
      title: 'The update of blog failed',
      body: 'Docker stopped.',
      instance: 'blog',
    });
    const ja = translator((await import('../../../renderer/src/i18n/ja.json')).default);
    expect(updateNotification({ name: 'blog', ok: true }, ja).title).toBe('blog をアップデートしました');
  });
});

describe('checkNotification', () => {
  const done = (ok: boolean, previousOk: boolean | null): ApiEventMessage => ({
    event: 'check.done',
    payload: { name: 'blog', ok, previousOk, failed: ok ? 0 : 2, checkedAt: '2026-12-03T04:00:00.000Z' },
  });
  it('tells only when a check that passed now fails', () => {
    expect(checkNotification(done(false, true), t)).toEqual({
      title: 'Others may no longer reach blog',
      body: 'The outside-in check failed on 2 of its items. Open Engawa to see what to fix.',
      instance: 'blog',
    });
    expect(checkNotification(done(false, false), t)).toBeNull();
    expect(checkNotification(done(false, null), t)).toBeNull();
    expect(checkNotification(done(true, false), t)).toBeNull();
  });
});

describe('watchNotification', () => {
  const action = (kind: 'give-up' | 'restart', instance: string | null = 'blog'): ApiEventMessage => ({
    event: 'watch.action',
    payload: { instance, service: 'db', kind, reason: 'unhealthy', at: '2026-12-03T04:00:00.000Z' },
  });
  it('tells when the watchdog gave up on a service, and stays quiet for its other actions', () => {
    expect(watchNotification(action('give-up'), t)).toEqual({ title: 'db of blog keeps failing', body: en.notify.watchGaveUp.body, instance: 'blog' });
    expect(watchNotification(action('restart'), t)).toBeNull();
    expect(watchNotification(action('give-up', null), t)).toBeNull();
  });
});

describe('clockNotification', () => {
  const changed = (ok: boolean, skewMs: number): ApiEventMessage => ({
    event: 'clock.changed',
    payload: { ok, skewMs, checkedAt: '2026-12-03T04:00:00.000Z', fix: ok ? null : 'engine-clock' },
  });
  it('tells when the clock goes off, with the minutes, and stays quiet when it is right again', () => {
    expect(clockNotification(changed(false, -5 * 60_000), t)).toEqual({
      title: "Docker's clock is off",
      body: "It differs from this computer's by about 5 min, so other servers will reject your servers' messages. Open Engawa to fix it.",
    });
    expect(clockNotification(changed(false, 40_000), t)?.body).toContain('about 1 min');
    expect(clockNotification(changed(true, 1000), t)).toBeNull();
  });
});

/**
 * Which desktop notifications to show, decided from events (pure): an instance that fails, and a
 * backup that finishes or fails (the backup feature calls `backupNotification`), and an update that
 * finishes, went back by itself, or failed (manual, or installed by itself under its policy).
 */
import type { ApiEventMessage, InstanceState } from '../../shared/contract';
import type { TrayAction } from './model';
import type { Translate } from './strings';

export interface DesktopNotification {
  title: string;
  body: string;
  /** the instance it is about (clicking opens Engawa on it) */
  instance?: string;
  /** what a click does instead of opening Engawa (e.g. the server's dashboard) */
  click?: TrayAction;
  /** buttons, where the platform has them (macOS); elsewhere the click stands in for them */
  actions?: { label: string; action: TrayAction }[];
}

/**
 * A notification when `name` moves into 'error' (an operation failed or its containers died), or
 * from running to 'degraded' (a service stopped); nothing for any other change.
 */
export function stateNotification(name: string, previous: InstanceState | undefined, next: InstanceState, t: Translate): DesktopNotification | null {
  if (next === 'error' && previous !== 'error') {
    return { title: t('notify.instanceFailed.title', { name }), body: t('notify.instanceFailed.body', { name }), instance: name };
  }
  if (next === 'degraded' && previous === 'running') {
    return { title: t('notify.instanceDegraded.title', { name }), body: t('notify.instanceDegraded.body', { name }), instance: name };
  }
  return null;
}

/** The notification that a security release can be installed on `name` (shown once per release). */
export function securityNotification(name: string, release: string, t: Translate): DesktopNotification {
  return { title: t('notify.securityUpdate.title', { name }), body: t('notify.securityUpdate.body', { name, release }), instance: name };
}

/** The notification for a finished backup (ok) or a failed one, with its reason. */
export function backupNotification(outcome: { name: string; ok: boolean; reason?: string }, t: Translate): DesktopNotification {
  const { name } = outcome;
  return outcome.ok
    ? { title: t('notify.backupDone.title', { name }), body: t('notify.backupDone.body', { name }), instance: name }
    : { title: t('notify.backupFailed.title', { name }), body: t('notify.backupFailed.body', { name, reason: outcome.reason ?? '' }), instance: name };
}

/** The outcome of a backup operation that just ended (manual, tray or scheduled), null for any other event. */
export function backupOutcome(message: ApiEventMessage): { name: string; ok: boolean; reason?: string } | null {
  if (message.event === 'op.done' && message.payload.op === 'backup') return { name: message.payload.instance, ok: true };
  if (message.event === 'op.failed' && message.payload.op === 'backup') {
    return { name: message.payload.instance, ok: false, reason: message.payload.error.message };
  }
  return null;
}

/** The outcome of an update operation that just ended, null for any other event. */
export function updateOutcome(message: ApiEventMessage): { name: string; ok: boolean; rolledBack?: boolean; reason?: string } | null {
  if (message.event === 'op.done' && message.payload.op === 'update') return { name: message.payload.instance, ok: true };
  if (message.event === 'op.failed' && message.payload.op === 'update') {
    const { error, instance } = message.payload;
    return { name: instance, ok: false, reason: error.message, ...(error.code === 'ROLLED_BACK' && { rolledBack: true }) };
  }
  return null;
}

/** The notification for an update that ended: done, went back by itself (the data as it was), or failed with its reason. */
export function updateNotification(outcome: { name: string; ok: boolean; rolledBack?: boolean; reason?: string }, t: Translate): DesktopNotification {
  const { name } = outcome;
  if (outcome.ok) return { title: t('notify.updateDone.title', { name }), body: t('notify.updateDone.body', { name }), instance: name };
  if (outcome.rolledBack === true)
    return { title: t('notify.updateRolledBack.title', { name }), body: t('notify.updateRolledBack.body', { name }), instance: name };
  return { title: t('notify.updateFailed.title', { name }), body: t('notify.updateFailed.body', { name, reason: outcome.reason ?? '' }), instance: name };
}

/** A notification when a server that could be reached from outside no longer can (its check passed and now fails); null otherwise. */
export function checkNotification(message: ApiEventMessage, t: Translate): DesktopNotification | null {
  if (message.event !== 'check.done') return null;
  const { name, ok, previousOk, failed } = message.payload;
  if (ok || previousOk !== true) return null;
  return { title: t('notify.checkFailed.title', { name }), body: t('notify.checkFailed.body', { name, count: failed }), instance: name };
}

/** A notification when the watchdog's restarts of a service did not help (it gave up); null for its other actions. */
export function watchNotification(message: ApiEventMessage, t: Translate): DesktopNotification | null {
  if (message.event !== 'watch.action' || message.payload.kind !== 'give-up' || message.payload.instance === null) return null;
  const { instance: name, service } = message.payload;
  return {
    title: t('notify.watchGaveUp.title', { name, service: service ?? '' }),
    body: t('notify.watchGaveUp.body', { name, service: service ?? '' }),
    instance: name,
  };
}

/** A notification when the engine's clock goes off by more than the limit (the dashboard offers the fix); null otherwise. */
export function clockNotification(message: ApiEventMessage, t: Translate): DesktopNotification | null {
  if (message.event !== 'clock.changed' || message.payload.ok) return null;
  const minutes = Math.max(1, Math.round(Math.abs(message.payload.skewMs) / 60_000));
  return { title: t('notify.clockOff.title'), body: t('notify.clockOff.body', { minutes }) };
}

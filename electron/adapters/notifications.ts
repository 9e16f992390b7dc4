/**
 * Desktop notifications: shown only when the user keeps them on (AppSettings.notifications) and
 * the platform supports them; clicking one opens Engawa (or does what the notification says, e.g.
 * opens a server's dashboard). Buttons (a server's Restart) are shown where Electron has them.
 * @see https://www.electronjs.org/docs/latest/api/notification
 */
import type { Notification as NotificationType, NotificationConstructorOptions } from 'electron';
import type { DesktopNotification } from '../core/tray/notify';

export interface NotifierDeps {
  Notification: { new (options: NotificationConstructorOptions): NotificationType; isSupported(): boolean };
  enabled: () => boolean;
  onClick: (n: DesktopNotification) => void;
  /** the platform shows notification buttons (Electron: macOS) */
  buttons?: boolean;
  /** a button was pressed: its index in `n.actions` */
  onAction?: (n: DesktopNotification, index: number) => void;
}

/** Returns the function that shows a notification (or does nothing when they are off). */
export function createNotifier(deps: NotifierDeps): (n: DesktopNotification | null) => void {
  return (n) => {
    if (n === null || !deps.enabled() || !deps.Notification.isSupported()) return;
    const buttons = deps.buttons === true && n.actions !== undefined && n.actions.length > 0;
    const shown = new deps.Notification({
      title: n.title,
      body: n.body,
      ...(buttons && { actions: (n.actions ?? []).map((a) => ({ type: 'button' as const, text: a.label })) }),
    });
    shown.on('click', () => deps.onClick(n));
    if (buttons) shown.on('action', (_event, index) => deps.onAction?.(n, index));
    shown.show();
  };
}

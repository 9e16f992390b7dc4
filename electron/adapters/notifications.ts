/**
 * Desktop notifications: shown only when the user keeps them on (AppSettings.notifications) and
 * the platform supports them; clicking one opens Engawa.
 * @see https://www.electronjs.org/docs/latest/api/notification
 */
import type { Notification as NotificationType, NotificationConstructorOptions } from 'electron';
import type { DesktopNotification } from '../core/tray/notify';

export interface NotifierDeps {
  Notification: { new (options: NotificationConstructorOptions): NotificationType; isSupported(): boolean };
  enabled: () => boolean;
  onClick: (n: DesktopNotification) => void;
}

/** Returns the function that shows a notification (or does nothing when they are off). */
export function createNotifier(deps: NotifierDeps): (n: DesktopNotification | null) => void {
  return (n) => {
    if (n === null || !deps.enabled() || !deps.Notification.isSupported()) return;
    const shown = new deps.Notification({ title: n.title, body: n.body });
    shown.on('click', () => deps.onClick(n));
    shown.show();
  };
}

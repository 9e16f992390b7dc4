/**
 * Renders the pure tray model (core/tray/model.ts) into Electron's Tray and Menu: one icon per
 * state and platform (macOS template images, Windows .ico, Linux PNG), the tooltip, and a context
 * menu set again after every change (Linux StatusNotifierItem shows only the menu; `click` may
 * never fire there). On Windows and Linux a left click opens Engawa.
 * @see https://www.electronjs.org/docs/latest/api/tray
 */
import path from 'node:path';
import type { Menu as MenuType, MenuItemConstructorOptions, Tray as TrayType } from 'electron';
import type { TrayAction, TrayIconState, TrayMenuItem, TrayModel } from '../core/tray/model';

/** The icon file for a state: `tray` (running) or `tray-<state>`, in the platform's format. */
export function trayIconFile(dir: string, platform: NodeJS.Platform, state: TrayIconState): string {
  const base = state === 'running' ? 'tray' : `tray-${state}`;
  if (platform === 'darwin') return path.join(dir, `${base}Template.png`); // @2x is picked up by name
  if (platform === 'win32') return path.join(dir, `${base}.ico`);
  return path.join(dir, `${base}.png`);
}

/** The menu template for Electron's Menu.buildFromTemplate. */
export function menuTemplate(items: readonly TrayMenuItem[], onAction: (action: TrayAction) => void): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    if (item.kind === 'separator') return { type: 'separator' };
    if (item.kind === 'submenu') return { label: item.label, submenu: menuTemplate(item.items, onAction) };
    const { action } = item;
    return { label: item.label, enabled: item.enabled, ...(action && { click: () => onAction(action) }) };
  });
}

export interface TrayViewDeps {
  Tray: new (image: string) => TrayType;
  Menu: Pick<typeof MenuType, 'buildFromTemplate'>;
  /** where the tray icons are: process.resourcesPath/tray when packaged, resources/tray in development */
  iconDir: string;
  platform: NodeJS.Platform;
  onAction: (action: TrayAction) => void;
}

/** The tray icon; `render` shows a model. */
export class TrayView {
  private readonly tray: TrayType;
  private icon: TrayIconState = 'stopped';

  constructor(private readonly deps: TrayViewDeps) {
    this.tray = new deps.Tray(trayIconFile(deps.iconDir, deps.platform, this.icon));
    if (deps.platform !== 'darwin') this.tray.on('click', () => deps.onAction({ type: 'open-app' }));
  }

  render(model: TrayModel): void {
    if (model.icon !== this.icon) {
      this.icon = model.icon;
      this.tray.setImage(trayIconFile(this.deps.iconDir, this.deps.platform, model.icon));
    }
    this.tray.setToolTip(model.tooltip);
    this.tray.setContextMenu(this.deps.Menu.buildFromTemplate(menuTemplate(model.menu, this.deps.onAction)));
  }

  destroy(): void {
    this.tray.destroy();
  }
}

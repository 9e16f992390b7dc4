/** The tray adapter: per-state, per-platform icon files that exist, and the menu template. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { menuTemplate, trayIconFile, TrayView } from '../../../electron/adapters/tray';
import type { TrayIconState, TrayModel } from '../../../electron/core/tray/model';

const trayDir = fileURLToPath(new URL('../../../resources/tray', import.meta.url));
const STATES: TrayIconState[] = ['running', 'starting', 'stopped', 'problem'];

describe('trayIconFile', () => {
  it('names a macOS template image, a Windows .ico and a Linux PNG per state, and each exists with its @2x', () => {
    expect(path.basename(trayIconFile(trayDir, 'darwin', 'running'))).toBe('trayTemplate.png');
    expect(path.basename(trayIconFile(trayDir, 'darwin', 'problem'))).toBe('tray-problemTemplate.png');
    expect(path.basename(trayIconFile(trayDir, 'win32', 'stopped'))).toBe('tray-stopped.ico');
    expect(path.basename(trayIconFile(trayDir, 'linux', 'starting'))).toBe('tray-starting.png');
    for (const state of STATES) {
      for (const platform of ['darwin', 'win32', 'linux'] as const) {
        const file = trayIconFile(trayDir, platform, state);
        expect(existsSync(file), file).toBe(true);
        if (platform !== 'win32') expect(existsSync(file.replace(/\.png$/, '@2x.png')), file).toBe(true);
      }
    }
  });
});

describe('menuTemplate and TrayView', () => {
  const model: TrayModel = {
    icon: 'problem',
    tooltip: 'Engawa — a server needs attention',
    menu: [
      { kind: 'submenu', label: 'blog', items: [{ kind: 'item', label: 'Stop', enabled: true, action: { type: 'stop', name: 'blog' } }] },
      { kind: 'separator' },
      { kind: 'item', label: 'Back up now', enabled: false },
      { kind: 'item', label: 'Quit', enabled: true, action: { type: 'quit' } },
    ],
  };

  it('maps items, submenus and separators, clicks calling back with the action', () => {
    const onAction = vi.fn();
    const template = menuTemplate(model.menu, onAction);
    expect(template.map((i) => i.type ?? i.label)).toEqual(['blog', 'separator', 'Back up now', 'Quit']);
    expect(template[2]).toEqual({ label: 'Back up now', enabled: false });
    const sub = template[0]?.submenu as { click?: () => void }[];
    sub[0]?.click?.();
    template[3]?.click?.(undefined as never, undefined, undefined as never);
    expect(onAction.mock.calls).toEqual([[{ type: 'stop', name: 'blog' }], [{ type: 'quit' }]]);
  });

  it('sets the state icon, the tooltip and the menu again on every render; a left click opens Engawa on Windows', () => {
    const calls: string[] = [];
    let click: (() => void) | undefined;
    class Tray {
      constructor(image: string) {
        calls.push(`new ${path.basename(image)}`);
      }
      on(_e: string, fn: () => void) {
        click = fn;
      }
      setImage(image: string) {
        calls.push(`image ${path.basename(image)}`);
      }
      setToolTip(text: string) {
        calls.push(`tooltip ${text}`);
      }
      setContextMenu() {
        calls.push('menu');
      }
      destroy() {}
    }
    const onAction = vi.fn();
    const view = new TrayView({ Tray: Tray as never, Menu: { buildFromTemplate: (t) => t as never }, iconDir: trayDir, platform: 'win32', onAction });
    view.render(model);
    view.render(model);
    expect(calls).toEqual(['new tray-stopped.ico', 'image tray-problem.ico', `tooltip ${model.tooltip}`, 'menu', `tooltip ${model.tooltip}`, 'menu']);
    click?.();
    expect(onAction).toHaveBeenCalledWith({ type: 'open-app' });
  });
});

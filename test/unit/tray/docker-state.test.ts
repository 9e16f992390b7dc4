/** The tray while Engawa waits for Docker it started at login, and after it gave up (ja/en catalogues). */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { trayModel, type TrayInstance } from '../../../electron/core/tray/model';
import { loadCatalogue, translator } from '../../../electron/core/tray/strings';

const dir = fileURLToPath(new URL('../../../renderer/src/i18n', import.meta.url));
const en = translator(loadCatalogue(dir, 'en'));
const ja = translator(loadCatalogue(dir, 'ja'));
const blog: TrayInstance = { name: 'blog', domain: 'blog.example.com', state: 'unknown', url: null };

describe('the tray waiting for Docker', () => {
  it('shows the starting icon and says it waits, in the tooltip and the menu’s first line; the menu stays usable', () => {
    const model = trayModel([blog], en, { backups: true, docker: 'waiting' });
    expect(model.icon).toBe('starting');
    expect(model.tooltip).toBe('Engawa — waiting for Docker…');
    expect(model.menu[0]).toEqual({ kind: 'item', label: 'Engawa — waiting for Docker…', enabled: false });
    expect(model.menu.map((i) => (i.kind === 'item' ? i.label : i.kind))).toContain('Quit Engawa');
    expect(trayModel([blog], ja, { backups: true, docker: 'waiting' }).tooltip).toBe('Engawa — Docker の起動を待っています…');
  });

  it('shows a problem and says plainly that Docker did not start once Engawa gave up', () => {
    const model = trayModel([], en, { backups: true, docker: 'failed' });
    expect(model.icon).toBe('problem');
    expect(model.tooltip).toBe('Engawa — Docker did not start');
    expect(trayModel([], ja, { backups: true, docker: 'failed' }).tooltip).toBe('Engawa — Docker が起動しませんでした');
  });

  it('is the usual tray without it', () => {
    expect(trayModel([blog], en, { backups: true }).tooltip).toBe('Engawa — a server needs attention');
  });
});

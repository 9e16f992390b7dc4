/** The pure tray model: icon state, tooltip and menu from the instances' states, in both languages. */
import { describe, expect, it } from 'vitest';
import type { InstanceState } from '../../../electron/shared/contract';
import { trayIconState, trayModel, type TrayInstance, type TrayMenuItem } from '../../../electron/core/tray/model';
import { translator } from '../../../electron/core/tray/strings';
import en from '../../../renderer/src/i18n/en.json';
import ja from '../../../renderer/src/i18n/ja.json';

const t = translator(en);
const inst = (name: string, state: InstanceState, url: string | null = 'http://127.0.0.1:8080'): TrayInstance => ({
  name,
  domain: `${name}.example`,
  state,
  url,
});
const labels = (items: TrayMenuItem[]): string[] =>
  items.map((i) => (i.kind === 'separator' ? '---' : `${i.label}${i.kind === 'item' && !i.enabled ? ' (off)' : ''}`));

describe('trayIconState', () => {
  it.each([
    [[], 'stopped'],
    [['running', 'running'], 'running'],
    [['running', 'stopped'], 'running'],
    [['stopped'], 'stopped'],
    [['running', 'starting'], 'starting'],
    [['creating'], 'starting'],
    [['stopping', 'running'], 'starting'],
    [['running', 'error'], 'problem'],
    [['degraded', 'starting'], 'problem'],
    [['unknown'], 'problem'],
  ] as const)('%j → %s', (states, icon) => {
    expect(trayIconState(states)).toBe(icon);
  });
});

describe('trayModel', () => {
  it('with no instances: says so, and offers Open Engawa and Quit', () => {
    const m = trayModel([], t);
    expect(m.icon).toBe('stopped');
    expect(m.tooltip).toBe(en.tray.tooltip.none);
    expect(labels(m.menu)).toEqual(['No servers yet (off)', '---', 'Open Engawa', 'Quit Engawa']);
  });

  it('with one running instance: its state inline, Open my server and Stop enabled, Start off, backups off until they land', () => {
    const m = trayModel([inst('blog', 'running')], t);
    expect(m.icon).toBe('running');
    expect(m.tooltip).toBe(en.tray.tooltip.running);
    expect(labels(m.menu)).toEqual([
      'blog (blog.example): Running (off)',
      'Open my server',
      'Start (off)',
      'Stop',
      'Back up now (off)',
      '---',
      'Open Engawa',
      'Quit Engawa',
    ]);
    expect(m.menu[1]).toMatchObject({ action: { type: 'open-server', name: 'blog', url: 'http://127.0.0.1:8080' } });
    expect(m.menu[3]).toMatchObject({ action: { type: 'stop', name: 'blog' } });
    expect(m.menu.at(-1)).toMatchObject({ action: { type: 'quit' } });
    expect(labels(trayModel([inst('blog', 'running')], t, { backups: true }).menu)).toContain('Back up now');
  });

  it('with a stopped instance: Start on, Stop and Open my server off', () => {
    expect(labels(trayModel([inst('blog', 'stopped')], t).menu).slice(1, 4)).toEqual(['Open my server (off)', 'Start', 'Stop (off)']);
  });

  it('with several instances: one submenu each, and the problem wins the icon', () => {
    const m = trayModel([inst('blog', 'running'), inst('pds', 'error')], t);
    expect(m.icon).toBe('problem');
    expect(m.tooltip).toBe(en.tray.tooltip.problem);
    const [first, second] = m.menu;
    expect(first).toMatchObject({ kind: 'submenu', label: 'blog (blog.example): Running' });
    expect(second).toMatchObject({ kind: 'submenu', label: 'pds (pds.example): Problem' });
    if (second?.kind !== 'submenu') throw new Error('expected a submenu');
    expect(labels(second.items)).toEqual(['Open my server (off)', 'Start', 'Stop', 'Back up now (off)']);
  });

  it('speaks Japanese from the Japanese catalogue', () => {
    const m = trayModel([inst('blog', 'starting')], translator(ja));
    expect(m.tooltip).toBe(ja.tray.tooltip.starting);
    expect(labels(m.menu)).toEqual([
      `blog（blog.example）：${ja.tray.state.starting} (off)`,
      `${ja.tray.menu.openServer} (off)`,
      `${ja.tray.menu.start} (off)`,
      ja.tray.menu.stop,
      `${ja.tray.menu.backup} (off)`,
      '---',
      ja.tray.menu.openApp,
      ja.tray.menu.quit,
    ]);
  });

  it("offers each security update first, opening that server's dashboard, in both languages", () => {
    const m = trayModel([inst('blog', 'running'), { ...inst('pds', 'running'), securityUpdate: '1.1.0' }], t, { backups: true });
    expect(labels(m.menu).slice(0, 2)).toEqual(['Security update for pds', '---']);
    expect(m.menu[0]).toMatchObject({ kind: 'item', enabled: true, action: { type: 'open-dashboard', name: 'pds' } });
    expect(m.menu[2]).toMatchObject({ kind: 'submenu', label: 'blog (blog.example): Running' });
    const one = trayModel([{ ...inst('blog', 'stopped'), securityUpdate: '1.1.0' }], translator(ja));
    expect(labels(one.menu).slice(0, 3)).toEqual(['blog のセキュリティ更新', '---', `blog（blog.example）：${ja.tray.state.stopped} (off)`]);
    // nothing about updates without one
    expect(labels(trayModel([inst('blog', 'running')], t).menu).some((l) => l.includes('Security'))).toBe(false);
  });

  it('has a label for every instance state in both languages', () => {
    const states: InstanceState[] = ['creating', 'starting', 'running', 'degraded', 'stopping', 'stopped', 'error', 'destroying', 'unknown'];
    for (const cat of [en, ja]) expect(Object.keys(cat.tray.state).sort()).toEqual([...states].sort());
  });
});

/**
 * The desktop shell (adapters/tray-and-notifications.ts) with stub Electron classes and a core of
 * plain handlers: a server down for 5 minutes is told once with a Restart button on macOS, which
 * restarts it (`instances.restart`); elsewhere its click opens the server's dashboard; the tray
 * says when Engawa waits for Docker it started at login.
 */
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiEventMessage, InstanceSummary } from '../../../electron/shared/contract';
import type { BusListener, Core, Handlers } from '../../../electron/core/api/types';
import { startDesktop, type DesktopDeps } from '../../../electron/adapters/tray-and-notifications';

const repo = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));

function setUp(platform: NodeJS.Platform, upSince: string | null = null) {
  const listeners = new Set<BusListener>();
  const calls: { method: string; input: unknown }[] = [];
  const summary: InstanceSummary = {
    name: 'blog',
    stack: 'test-web',
    domain: 'blog.example.com',
    state: 'running',
    createdAt: '2026-01-01T00:00:00.000Z',
    localUrl: 'http://127.0.0.1:28001',
    publicUrl: null,
  };
  const record =
    (method: string, value: unknown) =>
    async (input: unknown): Promise<never> => {
      calls.push({ method, input });
      return value as never;
    };
  const handlers = {
    'instances.list': record('instances.list', [summary]),
    'updates.list': record('updates.list', []),
    'instances.history': record('instances.history', { upSince }),
    'instances.restart': record('instances.restart', { opId: 'op-1' }),
  } as Partial<Handlers> as Handlers;
  const core: Core = { handlers, subscribe: (l) => (listeners.add(l), () => listeners.delete(l)), close: async () => {} };
  const push = (m: ApiEventMessage) => listeners.forEach((l) => l(m));

  const notes: FakeNotification[] = [];
  class FakeNotification extends EventEmitter {
    static isSupported = () => true;
    constructor(readonly options: { title: string; body: string; actions?: { type: string; text: string }[] }) {
      super();
      notes.push(this);
    }
    show() {}
  }
  const tooltips: string[] = [];
  class Tray {
    on() {}
    setImage() {}
    setToolTip(text: string) {
      tooltips.push(text);
    }
    setContextMenu() {}
    destroy() {}
  }
  const shown: string[] = [];
  const desktop = startDesktop({
    app: { quit: () => {}, getPreferredSystemLanguages: () => ['en-US'] },
    Tray: Tray as never,
    Menu: { buildFromTemplate: (t: unknown) => t as never },
    Notification: FakeNotification as unknown as DesktopDeps['Notification'],
    dialog: { showMessageBox: async () => ({ response: 0, checkboxChecked: false }) },
    shell: { openExternal: async () => {} },
    core,
    platform,
    iconDir: repo('resources/tray'),
    catalogueDir: repo('renderer/src/i18n'),
    settings: () => ({ language: 'en', notifications: true }),
    showWindow: () => shown.push('window'),
    showBackups: (name) => shown.push(`backups ${name}`),
    showDashboard: (name) => shown.push(`dashboard ${name}`),
    window: () => null,
    log: () => {},
  });
  return { desktop, push, calls, notes, tooltips, shown };
}

afterEach(() => {
  vi.useRealTimers();
});

const downNote = <N extends { options: { title: string } }>(notes: N[]): N[] => notes.filter((n) => n.options.title === 'blog has been down for 5 minutes');

describe('a server down for 5 minutes, on the desktop', () => {
  it('macOS: one notification with a Restart button that restarts the server', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const s = setUp('darwin');
    await vi.waitFor(() => expect(s.tooltips.at(-1)).toBe('Engawa — your servers are running'));
    s.push({ event: 'instance.state', payload: { name: 'blog', state: 'error' } });
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    const [note] = downNote(s.notes);
    expect(downNote(s.notes)).toHaveLength(1);
    expect(note?.options.actions).toEqual([{ type: 'button', text: 'Restart' }]);
    note?.emit('action', {}, 0);
    await vi.waitFor(() => expect(s.calls.filter((c) => c.method === 'instances.restart')).toEqual([{ method: 'instances.restart', input: { name: 'blog' } }]));
    // still down: not told again
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(downNote(s.notes)).toHaveLength(1);
    s.desktop.quitNow();
  });

  it('elsewhere: no buttons, and a click opens the server’s dashboard', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const s = setUp('win32');
    await vi.waitFor(() => expect(s.tooltips.at(-1)).toBe('Engawa — your servers are running'));
    s.push({ event: 'instance.state', payload: { name: 'blog', state: 'degraded' } });
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    const [note] = downNote(s.notes);
    expect(note?.options.actions).toBeUndefined();
    note?.emit('click');
    expect(s.shown).toEqual(['dashboard blog']);
    s.desktop.quitNow();
  });

  it('a server that comes back within 5 minutes is not told', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const s = setUp('darwin');
    await vi.waitFor(() => expect(s.tooltips.at(-1)).toBe('Engawa — your servers are running'));
    s.push({ event: 'instance.state', payload: { name: 'blog', state: 'degraded' } });
    await vi.advanceTimersByTimeAsync(60_000);
    s.push({ event: 'instance.state', payload: { name: 'blog', state: 'running' } });
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(downNote(s.notes)).toEqual([]);
    s.desktop.quitNow();
  });
});

describe('the tray while Engawa waits for Docker', () => {
  it('says so, then says Docker did not start, and goes back to normal once Docker answers again', () => {
    const s = setUp('linux');
    s.desktop.dockerState('waiting');
    expect(s.tooltips.at(-1)).toBe('Engawa — waiting for Docker…');
    s.desktop.dockerState('failed');
    expect(s.tooltips.at(-1)).toBe('Engawa — Docker did not start');
    s.push({
      event: 'watch.action',
      payload: { instance: null, service: null, kind: 'engine-back', reason: 'Docker answers', at: '2026-01-01T00:00:00.000Z' },
    });
    expect(s.tooltips.at(-1)).not.toContain('Docker');
    s.desktop.quitNow();
  });
});

describe('the tray’s uptime', () => {
  it('ages by itself: redrawn every hour, the tooltip goes from 1 day to 2 days with no event', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(new Date('2026-03-02T12:00:00.000Z'));
    const s = setUp('linux', '2026-03-01T11:30:00.000Z');
    await vi.waitFor(() => expect(s.tooltips.at(-1)).toMatch(/\(up 1 day\)$/));
    const drawn = s.tooltips.length;
    await vi.advanceTimersByTimeAsync(24 * 60 * 60_000);
    expect(s.tooltips.at(-1)).toMatch(/\(up 2 days\)$/);
    expect(s.tooltips.length - drawn).toBe(24); // once an hour, no more
    s.desktop.quitNow();
    await vi.advanceTimersByTimeAsync(5 * 60 * 60_000);
    expect(s.tooltips.length - drawn).toBe(24); // and never after quitting
  });
});

/**
 * A stand-in for Electron's `window.engawa`, installed before the page's scripts run, for specs of
 * the first screen and the dashboard that must not share the real host's state (its settings, its instances). It
 * answers from memory; settings survive a reload (this tab's sessionStorage), and every call is
 * recorded in `window.__calls` so a spec can see what the page asked for.
 */
import type { Page } from '@playwright/test';
import type { DiskStatusInfo } from '../../electron/shared/contract';

export interface FakeBridgeOptions {
  version?: string;
  platform?: string;
  /** 'down': system.check reports no Docker until `window.__dockerUp()` is called (or a start succeeds) */
  docker?: 'up' | 'down';
  /** what `system.startDocker` answers; a start with `started: true` brings Docker up */
  startDocker?: { started: boolean; how: string };
  /** servers that exist (stopped, no services); `instances.destroy` removes one and ends with op.done */
  instances?: string[];
  /** what `system.clock` answers (default null: not measured); `system.fixClock` answers it set right (skew 0) */
  clock?: { skewMs: number; checkedAt: string; ok: boolean; fix: 'engine-clock' | 'ntp' | null } | null;
  /** Docker Desktop's "start when you sign in" as `system.dockerAutostart` answers it (default: no settings file); a set turns it as asked */
  dockerAutostart?: { enabled: boolean | null; file: string | null; reason?: 'no-file' | 'unreadable' | 'no-key' };
  /** what `system.disk` answers (default null: not measured); `window.__emit(event, payload)` pushes an event (disk.changed …) */
  disk?: DiskStatusInfo | null;
  /** the servers' state (default 'stopped'); `instances.clean` answers an operation that ends with op.done */
  state?: 'stopped' | 'running';
}

/** Installs the fake bridge into every document the page loads. */
export async function installFakeBridge(page: Page, opts: FakeBridgeOptions = {}): Promise<void> {
  await page.addInitScript(
    (o: Required<FakeBridgeOptions>) => {
      const w = window as unknown as Record<string, unknown>;
      const calls: { method: string; input: unknown }[] = [];
      w.__calls = calls;
      let dockerUp = o.docker === 'up';
      w.__dockerUp = () => {
        dockerUp = true;
      };
      const listeners = new Map<string, Set<(p: unknown) => void>>();
      const emit = (event: string, payload: unknown) => listeners.get(event)?.forEach((l) => l(payload));
      w.__emit = emit;
      const KEY = 'fake.settings';
      const settings = () =>
        JSON.parse(sessionStorage.getItem(KEY) ?? '{"language":null,"launchAtLogin":false,"notifications":true,"allowPlainTextSecrets":false}');
      const instances = o.instances.map((name) => ({
        name,
        stack: 'test-web',
        domain: `${name}.example.com`,
        state: o.state,
        createdAt: '2025-01-01T00:00:00.000Z',
        localUrl: 'http://127.0.0.1:1',
        publicUrl: null,
      }));
      let ops = 0;
      const engine = {
        source: 'DOCKER_HOST',
        endpoint: 'unix:///fake.sock',
        version: '27.0.0',
        apiVersion: '1.46',
        os: 'Fake OS',
        osType: 'linux',
        arch: 'x86_64',
        cpus: 4,
        memoryBytes: 8 * 1024 ** 3,
        freeDiskBytes: 100 * 1024 ** 3,
        sse42: true,
        flavor: 'docker',
      };
      const answers: Record<string, (input: never) => unknown> = {
        'app.info': () => ({ version: o.version, platform: o.platform, shell: 'electron', systemLanguages: [...navigator.languages] }),
        'settings.get': () => settings(),
        'settings.set': (patch: Record<string, unknown>) => {
          const next = { ...settings(), ...patch };
          sessionStorage.setItem(KEY, JSON.stringify(next));
          setTimeout(() => emit('settings.changed', next), 0);
          return next;
        },
        'instances.list': () => instances.map((i) => ({ ...i })),
        'instances.status': ({ name }: { name: string }) => ({ ...instances.find((i) => i.name === name), services: [] }),
        'instances.disk': ({ name }: { name: string }) => ({
          volumes: [
            { volume: `engawa-${name}_db`, key: 'db', bytes: 2 * 1024 ** 2, backup: 'data' },
            { volume: `engawa-${name}_cache`, key: 'cache', bytes: 1024 ** 2, backup: 'cache' },
          ],
          totalBytes: 3 * 1024 ** 2,
        }),
        'instances.destroy': ({ name }: { name: string }) => {
          const opId = `op-${++ops}`;
          setTimeout(() => {
            instances.splice(
              instances.findIndex((i) => i.name === name),
              1,
            );
            emit('op.done', { opId, op: 'destroy', instance: name });
          }, 50);
          return { opId };
        },
        'system.startDocker': () => {
          if (o.startDocker.started) dockerUp = true;
          return o.startDocker;
        },
        'ops.list': () => [],
        'system.clock': () => o.clock,
        'system.disk': () => o.disk,
        'instances.clean': ({ name }: { name: string }) => {
          const opId = `op-${++ops}`;
          setTimeout(() => emit('op.done', { opId, op: 'clean', instance: name }), 50);
          return { opId };
        },
        'system.dockerAutostart': () => ({ ...o.dockerAutostart }),
        'system.setDockerAutostart': ({ enabled }: { enabled: boolean }) => (o.dockerAutostart = { enabled, file: o.dockerAutostart.file }),
        'system.networkChanged': () => null,
        'system.fixClock': () => ({ skewMs: 0, checkedAt: new Date().toISOString(), ok: true, fix: null }),
        'stacks.list': () => [],
        'system.check': () =>
          dockerUp
            ? { ok: true, engine, checks: [{ id: 'engine', title: 'Docker', ok: true, level: 'info', detail: 'Docker 27.0.0' }] }
            : {
                ok: false,
                checks: [
                  { id: 'engine', title: 'Docker', ok: false, level: 'error', code: 'ENGINE_UNREACHABLE', detail: 'Engawa found no running Docker engine.' },
                ],
              },
      };
      Object.defineProperty(window, 'engawa', {
        value: Object.freeze({
          invoke: async (method: string, input: never) => {
            calls.push({ method, input });
            const answer = answers[method];
            return answer ? { ok: true, value: answer(input) } : { ok: false, error: { code: 'NOT_FOUND', message: `fake: no ${method}` } };
          },
          on: (event: string, listener: (p: unknown) => void) => {
            const set = listeners.get(event) ?? new Set();
            listeners.set(event, set);
            set.add(listener);
            return () => set.delete(listener);
          },
        }),
      });
    },
    {
      version: opts.version ?? '9.8.7',
      platform: opts.platform ?? 'testos',
      docker: opts.docker ?? 'up',
      startDocker: opts.startDocker ?? { started: true, how: 'Docker Desktop is starting.' },
      instances: opts.instances ?? [],
      clock: opts.clock ?? null,
      disk: opts.disk ?? null,
      state: opts.state ?? 'stopped',
      dockerAutostart: opts.dockerAutostart ?? { enabled: null, file: null, reason: 'no-file' },
    },
  );
}

/** The calls the page made to the fake bridge so far. */
export async function bridgeCalls(page: Page): Promise<{ method: string; input: unknown }[]> {
  return page.evaluate(() => (window as unknown as { __calls: { method: string; input: unknown }[] }).__calls);
}

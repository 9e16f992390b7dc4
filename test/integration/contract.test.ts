/**
 * One contract suite, two transports: Electron IPC (the real IPC adapter and preload over an
 * in-memory ipcMain/ipcRenderer pair) and the browser-mode host (real WebSocket on 127.0.0.1),
 * both used through the renderer's own client (createApi). Fast cases run on the core over the
 * in-memory engine; the life of a real instance (create → running → stop, logs, events) runs on
 * the real engine with the test recipe.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { ApiEventMessage, ApiEventName, ApiEvents, EngawaTransport } from '../../electron/shared/contract';
import { createCore, type EngawaCore } from '../../electron/core/api/create-core';
import { createServices } from '../../electron/core/api/wiring';
import { SettingsStore } from '../../electron/core/api/settings';
import type { Core } from '../../electron/core/api/types';
import { startHost } from '../../electron/core/host/server';
import { FileSecretStore } from '../../electron/core/instances/secret-store';
import { registerIpc } from '../../electron/adapters/ipc';
import { ApiCallError, createApi, type EngawaApi } from '../../renderer/src/api/client';
import { createWsTransport } from '../../renderer/src/api/ws-client';
import { createIpcPair } from '../stubs/electron';
import { fakeCore, type FakeCore } from '../unit/api/fake-core';
import { LOCAL_IMAGES, TEST_RECIPE, docker, labelled, tempHome, uniqueName } from './helpers';

// window.ts (isAppUrl) imports Electron's window classes; none of them is used here
vi.mock('electron', () => ({ BrowserWindow: class {}, protocol: {}, shell: {} }));

type Kind = 'ipc' | 'ws';
interface Connection {
  api: EngawaApi;
  transport: EngawaTransport;
  events: ApiEventMessage[];
  close(): Promise<void>;
}

/** Connects to `core` through the given transport, recording every event it pushes. */
async function connect(kind: Kind, core: Core): Promise<Connection> {
  let transport: EngawaTransport;
  let close: () => Promise<void>;
  if (kind === 'ipc') {
    const pair = createIpcPair();
    const unregister = registerIpc(pair.ipcMain as never, core);
    vi.resetModules();
    vi.doMock('electron', () => ({ contextBridge: pair.contextBridge, ipcRenderer: pair.ipcRenderer }));
    await import('../../electron/preload');
    transport = pair.exposed.get('engawa') as EngawaTransport;
    close = async () => {
      pair.destroy();
      unregister();
    };
  } else {
    const host = await startHost({ core, rendererDir: '/nonexistent' });
    const ws = createWsTransport({
      url: `ws://127.0.0.1:${host.port}/api?token=${host.token}`,
      connect: (url) => new WebSocket(url, { origin: `http://127.0.0.1:${host.port}` }) as never,
    });
    await new Promise<void>((resolve) => {
      const off = ws.onConnection((up) => up && (off(), resolve()));
    });
    transport = ws;
    close = async () => {
      ws.close();
      await host.close();
    };
  }
  const events: ApiEventMessage[] = [];
  const names: ApiEventName[] = ['op.progress', 'op.done', 'op.failed', 'instance.state', 'logs.line', 'logs.end', 'settings.changed'];
  for (const event of names) transport.on(event, (payload) => events.push({ event, payload } as ApiEventMessage));
  return { api: createApi(transport), transport, events, close };
}

/** Waits for an event of `conn` (from the index `from` on) that `match` accepts. */
async function nextEvent<E extends ApiEventName>(
  conn: Connection,
  event: E,
  match: (p: ApiEvents[E]) => boolean,
  timeoutMs = 120_000,
  from = 0,
): Promise<ApiEvents[E]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const found = conn.events.slice(from).find((m) => m.event === event && match(m.payload as ApiEvents[E]));
    if (found) return found.payload as ApiEvents[E];
    if (Date.now() > end) throw new Error(`no ${event} event; got ${conn.events.map((e) => e.event).join(', ')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits for the end of operation `opId`: resolves on op.done, throws with the reason on op.failed. */
async function opEnd(conn: Connection, opId: string): Promise<ApiEvents['op.done']> {
  const end = await Promise.race([
    nextEvent(conn, 'op.done', (p) => p.opId === opId).then((p) => ({ ok: true as const, p })),
    nextEvent(conn, 'op.failed', (p) => p.opId === opId).then((p) => ({ ok: false as const, p })),
  ]);
  if (!end.ok) throw new Error(`operation ${end.p.op} failed: ${end.p.error.code} ${end.p.error.message}`);
  return end.p;
}

describe.each(['ipc', 'ws'] as const)('contract over %s (in-memory engine)', (kind) => {
  let f: FakeCore;
  let c: Connection;
  beforeAll(async () => {
    f = await fakeCore();
    c = await connect(kind, f.core);
  });
  afterAll(async () => {
    await c.close();
    await f.cleanup();
  });

  it('answers app.info and settings', async () => {
    expect(await c.api.call('app.info')).toEqual({ version: '9.9.9', platform: 'linux', shell: 'browser', systemLanguages: ['ja-JP'] });
    expect(await c.api.call('settings.set', { language: 'ja' })).toMatchObject({ language: 'ja' });
    expect((await nextEvent(c, 'settings.changed', () => true)).language).toBe('ja');
  });

  it('refuses an unknown method with NOT_FOUND', async () => {
    expect(await c.transport.invoke('instances.hack' as never)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('refuses bad input with INVALID_INPUT naming the path, as an ApiCallError', async () => {
    const e = await c.api
      .call('instances.create', { stack: 'teststack', name: 'x', domain: 'example.com', admin: { user: 'u', email: 'u@example.com', password: 'short' } })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiCallError);
    expect(e).toMatchObject({ code: 'INVALID_INPUT', details: { path: 'admin.password' } });
  });

  it('runs a create as an operation: id at once, states and op.done with the password pushed', async () => {
    const { opId } = await c.api.call('instances.create', { stack: 'teststack', name: 'blog', domain: 'example.com' });
    const done = await opEnd(c, opId);
    expect(done.result?.adminPassword).toMatch(/^.{20}$/);
    expect((await nextEvent(c, 'instance.state', (p) => p.name === 'blog' && p.state === 'running')).state).toBe('running');
    expect(await c.api.call('instances.list')).toMatchObject([{ name: 'blog', state: 'running' }]);
    const busy = await c.api.call('instances.create', { stack: 'teststack', name: 'blog', domain: 'example.com' }).catch((x: unknown) => x);
    expect(busy).toMatchObject({ code: 'NAME_TAKEN' });
  });
});

describe.each(['ipc', 'ws'] as const)('contract over %s (real engine, test recipe)', (kind) => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let core: EngawaCore;
  let c: Connection;
  const name = uniqueName('ct');

  beforeAll(async () => {
    home = await tempHome();
    const services = createServices({
      home: home.dir,
      env: { DOCKER_HOST: process.env.DOCKER_HOST, HOME: process.env.HOME },
      images: LOCAL_IMAGES,
      recipeFiles: [TEST_RECIPE],
      secrets: new FileSecretStore(home.dir),
    });
    core = createCore({
      services,
      settings: await SettingsStore.open(home.dir),
      info: { version: '0.0.0', platform: process.platform, shell: 'browser', systemLanguages: [] },
    });
    c = await connect(kind, core);
  });
  afterAll(async () => {
    try {
      const { opId } = await c.api.call('instances.destroy', { name });
      await opEnd(c, opId);
    } finally {
      await c.close();
      await core.close();
      const left = await labelled(`engawa-${name}`);
      for (const id of left.containers)
        await docker()
          .getContainer(id.replace(/^\//, ''))
          .remove({ force: true })
          .catch(() => {});
      await home.cleanup();
    }
  });

  it('checks Docker and lists the test stack', async () => {
    const report = await c.api.call('system.check');
    expect(report.ok).toBe(true);
    expect(report.engine?.apiVersion).toMatch(/^\d+\.\d+$/);
    expect((await c.api.call('stacks.list')).map((s) => s.id)).toContain('test-web');
  });

  it('creates an instance with real progress, sees every service running, its logs, then a stop pushed', async () => {
    const { opId } = await c.api.call('instances.create', { stack: 'test-web', name, domain: 'example.com' });
    const done = await opEnd(c, opId);
    expect(done).toMatchObject({ op: 'create', instance: name });
    expect(c.events.some((e) => e.event === 'op.progress' && e.payload.opId === opId)).toBe(true);
    await nextEvent(c, 'instance.state', (p) => p.name === name && p.state === 'running');
    const status = await c.api.call('instances.status', { name });
    expect(status.state).toBe('running');
    expect(status.services.map((s) => s.state)).toEqual(['running', 'running', 'running']);

    const { subscriptionId } = await c.api.call('instances.logs.subscribe', { name, tail: 50 });
    await nextEvent(c, 'logs.line', (p) => p.subscriptionId === subscriptionId, 30_000);
    expect(await c.api.call('instances.logs.unsubscribe', { subscriptionId })).toBeNull();

    const stop = await c.api.call('instances.stop', { name });
    await opEnd(c, stop.opId);
    await nextEvent(c, 'instance.state', (p) => p.name === name && p.state === 'stopped');
    expect((await c.api.call('instances.list')).find((i) => i.name === name)?.state).toBe('stopped');
  });

  it('pushes the state when a container dies outside Engawa, with no call made', async () => {
    const { opId } = await c.api.call('instances.start', { name });
    await opEnd(c, opId);
    const before = c.events.length;
    const [web] = (await labelled(`engawa-${name}`)).containers.filter((n) => n.endsWith('-web-1'));
    await docker().getContainer(web!.replace(/^\//, '')).kill();
    const change = await nextEvent(c, 'instance.state', (p) => p.name === name && p.state !== 'running', 30_000, before);
    expect(['degraded', 'error', 'starting']).toContain(change.state);
  });
});

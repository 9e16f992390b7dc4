/** The renderer's store over a fake API: what it loads, how pushed events change it, what it asks. */
import { describe, expect, it } from 'vitest';
import type { AppSettings, InstanceStatus, InstanceSummary, LogLine } from '../../../electron/shared/contract';
import { ApiCallError } from '../../../renderer/src/api/client';
import { createAppStore, MAX_LOG_LINES } from '../../../renderer/src/store/app-store';
import { fakeApi } from './fake-api';

const settings: AppSettings = { language: null, launchAtLogin: false, notifications: true, allowPlainTextSecrets: false };
const summary = (name: string, state: InstanceSummary['state'] = 'running'): InstanceSummary => ({
  name,
  stack: 'test-web',
  domain: `${name}.example.com`,
  state,
  createdAt: '2026-01-01T00:00:00.000Z',
  localUrl: 'http://127.0.0.1:40000',
  publicUrl: null,
});
const status = (name: string, state: InstanceStatus['state'], svc = 'running'): InstanceStatus => ({
  name,
  stack: 'test-web',
  domain: `${name}.example.com`,
  state,
  services: [{ name: 'web', state: svc, health: 'healthy' }],
  localUrl: 'http://127.0.0.1:40000',
  publicUrl: null,
});
const line = (text: string): LogLine => ({ service: 'web', stream: 'stdout', time: '2026-01-01T00:00:00Z', line: text });

function setup(instances: InstanceSummary[] = [summary('home')]) {
  const api = fakeApi({
    'app.info': () => ({ version: '1.2.3', platform: 'linux', shell: 'browser', systemLanguages: ['ja-JP'] }),
    'settings.get': () => settings,
    'instances.list': () => instances,
    'ops.list': () => [],
    'instances.status': (input) => status((input as { name: string }).name, 'running'),
  });
  const scheduled: (() => void)[] = [];
  const store = createAppStore(api, { schedule: (fn) => scheduled.push(fn) });
  return { api, store, scheduled, flush: () => scheduled.splice(0).forEach((fn) => fn()) };
}

describe('createAppStore', () => {
  it('loads what the first screen needs and opens the dashboard of the first instance', async () => {
    const { store } = setup();
    await store.getState().init();
    const s = store.getState();
    expect(s.boot).toEqual({ status: 'ready', value: true });
    expect(s.info?.version).toBe('1.2.3');
    expect(s.settings).toEqual(settings);
    expect(s.view).toEqual({ screen: 'dashboard', instance: 'home' });
  });

  it('opens the wizard when there is no instance, and reports a failed start as the API error', async () => {
    const { store } = setup([]);
    await store.getState().init();
    expect(store.getState().view).toEqual({ screen: 'wizard' });

    const api = fakeApi({});
    const broken = createAppStore(api);
    await broken.getState().init();
    expect(broken.getState().boot).toMatchObject({ status: 'error', error: { code: 'NOT_FOUND' } });
  });

  it('takes instance states from events and reads the services once per change, never on its own', async () => {
    const { api, store } = setup();
    await store.getState().init();
    await store.getState().loadStatus('home');
    expect(api.callsOf('instances.status')).toHaveLength(1);
    api.answers['instances.status'] = () => status('home', 'stopped', 'exited');

    api.emit('instance.state', { name: 'home', state: 'stopped' });
    // the state is there at once, from the event itself
    expect(store.getState().instances[0]?.state).toBe('stopped');
    expect(store.getState().statuses.home).toMatchObject({ status: 'ready', value: { state: 'stopped' } });
    await new Promise((r) => setTimeout(r, 0));
    expect(api.callsOf('instances.status')).toHaveLength(2);
    expect(store.getState().statuses.home).toMatchObject({ value: { services: [{ state: 'exited' }] } });
    expect(api.callsOf('instances.list')).toHaveLength(1); // known instance: no list reload
  });

  it('reloads the list when an unknown instance appears or an operation creates one', async () => {
    const { api, store } = setup([]);
    await store.getState().init();
    api.answers['instances.list'] = () => [summary('new', 'creating')];
    api.emit('instance.state', { name: 'new', state: 'creating' });
    await new Promise((r) => setTimeout(r, 0));
    expect(store.getState().instances.map((i) => i.name)).toEqual(['new']);
    api.emit('op.done', { opId: 'o1', op: 'create', instance: 'new', result: { adminPassword: 'pw' } });
    await new Promise((r) => setTimeout(r, 0));
    expect(api.callsOf('instances.list')).toHaveLength(3);
    expect(store.getState().ops.o1).toMatchObject({ status: 'done', result: { adminPassword: 'pw' } });
  });

  it('folds an operation started here from its pushed progress, even when events beat the answer', async () => {
    const { api, store } = setup();
    await store.getState().init();
    api.answers['instances.stop'] = () => {
      api.emit('op.progress', { opId: 'op-1', op: 'stop', instance: 'home', progress: { kind: 'step', step: 'stop', state: 'start' } });
      return { opId: 'op-1' };
    };
    expect(await store.getState().runOp('stop', 'home')).toBe('op-1');
    expect(store.getState().ops['op-1']?.steps).toEqual([{ step: 'stop', state: 'start' }]);
    api.emit('op.failed', { opId: 'op-1', op: 'stop', instance: 'home', error: { code: 'TIMEOUT', message: 'slow' } });
    expect(store.getState().ops['op-1']).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT' } });
  });

  it('rejects a create the core refuses, with its code and details', async () => {
    const { api, store } = setup();
    await store.getState().init();
    api.answers['instances.create'] = () => {
      throw new ApiCallError('INVALID_INPUT', 'bad domain', { domain: 'x' });
    };
    await expect(store.getState().create({ stack: 'test-web', name: 'a', domain: 'x' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      details: { domain: 'x' },
    });
  });

  it('follows logs of its own subscription only, in batches, keeping the newest lines', async () => {
    const { api, store, scheduled, flush } = setup();
    api.answers['instances.logs.subscribe'] = () => ({ subscriptionId: 's1' });
    api.answers['instances.logs.unsubscribe'] = () => null;
    await store.getState().init();
    await store.getState().openLogs('home', 'web');
    expect(api.callsOf('instances.logs.subscribe')).toEqual([{ name: 'home', service: 'web' }]);
    api.emit('logs.line', { subscriptionId: 's1', line: line('one') });
    api.emit('logs.line', { subscriptionId: 's1', line: line('two') });
    api.emit('logs.line', { subscriptionId: 'other', line: line('not mine') });
    expect(scheduled).toHaveLength(1); // one flush for the batch
    expect(store.getState().logs?.lines).toEqual([]);
    flush();
    expect(store.getState().logs?.lines.map((l) => l.line)).toEqual(['one', 'two']);
    for (let i = 0; i < MAX_LOG_LINES + 5; i++) api.emit('logs.line', { subscriptionId: 's1', line: line(`n${i}`) });
    flush();
    const lines = store.getState().logs?.lines ?? [];
    expect(lines).toHaveLength(MAX_LOG_LINES);
    expect(lines.at(-1)?.line).toBe(`n${MAX_LOG_LINES + 4}`);
    api.emit('logs.end', { subscriptionId: 's1', error: { code: 'ENGINE_UNREACHABLE', message: 'gone' } });
    expect(store.getState().logs).toMatchObject({ status: 'error', error: { code: 'ENGINE_UNREACHABLE' } });
  });

  it('ends the old log subscription when the filter changes or the view closes', async () => {
    const { api, store } = setup();
    let n = 0;
    api.answers['instances.logs.subscribe'] = () => ({ subscriptionId: `s${++n}` });
    api.answers['instances.logs.unsubscribe'] = () => null;
    await store.getState().init();
    await store.getState().openLogs('home', null);
    await store.getState().openLogs('home', 'db');
    expect(api.callsOf('instances.logs.unsubscribe')).toEqual([{ subscriptionId: 's1' }]);
    await store.getState().closeLogs();
    expect(api.callsOf('instances.logs.unsubscribe')).toEqual([{ subscriptionId: 's1' }, { subscriptionId: 's2' }]);
    expect(store.getState().logs).toBeNull();
  });

  it('follows settings changes pushed by others, and saves its own', async () => {
    const { api, store } = setup();
    api.answers['settings.set'] = (patch) => ({ ...settings, ...(patch as object) });
    await store.getState().init();
    api.emit('settings.changed', { ...settings, language: 'ja' });
    expect(store.getState().settings?.language).toBe('ja');
    await store.getState().updateSettings({ language: 'en' });
    expect(api.callsOf('settings.set')).toEqual([{ language: 'en' }]);
    expect(store.getState().settings?.language).toBe('en');
  });

  it('after a lost connection, reads again what it may have missed and resubscribes its logs', async () => {
    const { api, store } = setup();
    let n = 0;
    api.answers['instances.logs.subscribe'] = () => ({ subscriptionId: `s${++n}` });
    api.answers['instances.logs.unsubscribe'] = () => {
      throw new ApiCallError('NOT_FOUND', 'gone with the connection');
    };
    await store.getState().init();
    await store.getState().openLogs('home', null);
    api.connection(false);
    expect(store.getState().connected).toBe(false);
    api.connection(true);
    await new Promise((r) => setTimeout(r, 0));
    expect(store.getState().connected).toBe(true);
    expect(api.callsOf('instances.list')).toHaveLength(2);
    expect(api.callsOf('settings.get')).toHaveLength(2);
    expect(api.callsOf('instances.status')).toEqual([{ name: 'home' }]);
    expect(store.getState().logs).toMatchObject({ subscriptionId: 's2', status: 'live' });
  });

  it('stops listening when disposed', async () => {
    const { api, store } = setup();
    await store.getState().init();
    store.getState().dispose();
    api.emit('instance.state', { name: 'home', state: 'stopped' });
    expect(store.getState().instances[0]?.state).toBe('running');
  });
});

/**
 * The watchdog as the shells run it, through the core (api/watch.ts) over the in-memory engine:
 * one per Engawa home (a second core on the same home stays off and says why, naming the first),
 * each action told to every client as `watch.action`, `recheck` reaching the watchdog, and
 * `close` releasing the lock so the next one may run.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiEventMessage } from '../../../electron/shared/contract';
import { createCore, type EngawaCore } from '../../../electron/core/api/create-core';
import { openSession, type Session } from '../../../electron/core/api/dispatch';
import { SettingsStore } from '../../../electron/core/api/settings';
import { InstanceManager, MemorySecretStore } from '../../../electron/core/instances';
import type { Recipe } from '../../../electron/core/stacks/types';
import { watchLockFile } from '../../../electron/core/watch/index';
import { FakeEngine } from '../instances/fake-engine';
import { testRecipe } from '../instances/recipe';
import { FAKE_INFO, waitForEvent } from './fake-core';

const recipe: Recipe = { ...testRecipe, services: testRecipe.services.map((s) => (s.name === 'db' ? { ...s, unhealthyGraceS: 0.2 } : s)) };
const recipes = { get: () => recipe, list: () => [recipe] };
const FAST = { backoffMs: 300, maxBackoffMs: 1000, recheckGraceMs: 100, busyRetryMs: 100, engineRetryMs: 50 };

let home: string;
let engine: FakeEngine;
const cores: { core: EngawaCore; session: Session; events: ApiEventMessage[]; lines: string[] }[] = [];
let opened = 0;

async function open(watch = true) {
  const manager = new InstanceManager({ home, engine: async () => engine, secrets: new MemorySecretStore(), recipes });
  const lines: string[] = [];
  const core = createCore({
    services: { home, engine: async () => engine, recipes, manager },
    settings: await SettingsStore.open(home),
    info: FAKE_INFO,
    log: (l) => lines.push(l),
    ...(watch && { watch: { by: `core ${++opened}`, timing: FAST } }),
  });
  const events: ApiEventMessage[] = [];
  const session = openSession(core, (m) => events.push(m));
  const made = { core, session, events, lines, manager };
  cores.push(made);
  return made;
}

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-watch-api-'));
  engine = new FakeEngine();
  opened = 0;
});

afterEach(async () => {
  for (const c of cores.splice(0)) {
    c.session.close();
    await c.core.close();
  }
  await rm(home, { recursive: true, force: true });
});

const isAction = (m: ApiEventMessage): m is Extract<ApiEventMessage, { event: 'watch.action' }> => m.event === 'watch.action';

describe('the watchdog of the core', () => {
  it('restarts a service unhealthy past its grace and tells every client', async () => {
    const { manager, events } = await open();
    await manager.create({ stack: recipe.id, name: 'blog', domain: 'example.com' });
    await vi.waitFor(() => expect(engine.subscribers).toBeGreaterThan(0));
    engine.setService('engawa-blog', 'db', { state: 'running', health: 'unhealthy' });
    engine.emit({ project: 'engawa-blog', service: 'db', action: 'health_status', health: 'unhealthy' });
    const action = await waitForEvent(events, isAction, 3000);
    expect(action.payload).toMatchObject({ instance: 'blog', service: 'db', kind: 'restart' });
    expect(engine.callsOf('restartService').map((a) => a[1])).toEqual(['db']);
  });

  it('runs once per home: a second core stays off and names the first; after the first closes, a new one runs', async () => {
    const first = await open();
    await vi.waitFor(async () => expect(await readFile(watchLockFile(home), 'utf8')).toContain('core 1'));
    const second = await open();
    await vi.waitFor(() => expect(second.lines.join('\n')).toMatch(/the watchdog stays off here: .*core 1/));
    cores.splice(cores.indexOf(first), 1);
    first.session.close();
    await first.core.close();
    const third = await open();
    await vi.waitFor(async () => expect(await readFile(watchLockFile(home), 'utf8')).toContain('core 3'));
    expect(third.lines.join('\n')).not.toMatch(/stays off/);
  });

  it('re-checks when asked (a wake), and a core without a watchdog answers the same call doing nothing', async () => {
    const { core, manager, events } = await open();
    await manager.create({ stack: recipe.id, name: 'blog', domain: 'example.com' });
    await vi.waitFor(() => expect(engine.subscribers).toBeGreaterThan(0));
    await core.recheck('the computer woke from sleep');
    expect(events.filter(isAction).map((e) => [e.payload.kind, e.payload.reason])).toContainEqual(['recheck', expect.stringContaining('woke from sleep')]);
    const plain = await open(false);
    await expect(plain.core.recheck('the computer woke from sleep')).resolves.toBeUndefined();
  });
});

/**
 * The real core (createCore) over the in-memory FakeEngine and the manager tests' recipe, in a
 * temporary home: fast, no Docker. Shared by the api, host, tray and contract tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ApiEventMessage, ApiResult } from '../../../electron/shared/contract';
import { afterEach, beforeEach } from 'vitest';
import { openSession, type Session } from '../../../electron/core/api/dispatch';
import { createCore, type EngawaCore } from '../../../electron/core/api/create-core';
import type { Services } from '../../../electron/core/api/wiring';
import { SettingsStore } from '../../../electron/core/api/settings';
import { EngawaError } from '../../../electron/core/util/errors';
import { InstanceManager } from '../../../electron/core/instances/manager';
import { MemorySecretStore } from '../../../electron/core/instances/secret-store';
import { FakeEngine } from '../instances/fake-engine';
import { testRecipe } from '../instances/recipe';

export interface FakeCore {
  core: EngawaCore;
  engine: FakeEngine;
  home: string;
  /** every broadcast event, in order */
  events: ApiEventMessage[];
  cleanup(): Promise<void>;
}

export const FAKE_INFO = { version: '9.9.9', platform: 'linux', shell: 'browser' as const, systemLanguages: ['ja-JP'] };

export async function fakeCore(): Promise<FakeCore> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'engawa-core-'));
  const engine = new FakeEngine();
  const connect = async () => engine;
  const recipes = {
    get: (id: string) => {
      if (id !== testRecipe.id) throw new EngawaError('NOT_FOUND', `There is no stack "${id}".`);
      return testRecipe;
    },
    list: () => [testRecipe],
  };
  const manager = new InstanceManager({ home, engine: connect, secrets: new MemorySecretStore(), recipes });
  const services: Services = { home, engine: connect, recipes, manager };
  const core = createCore({ services, settings: await SettingsStore.open(home), info: FAKE_INFO });
  const events: ApiEventMessage[] = [];
  const unsubscribe = core.subscribe((m) => events.push(m));
  return {
    core,
    engine,
    home,
    events,
    cleanup: async () => {
      unsubscribe();
      await core.ops.settled();
      await core.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** Resolves with the first event that `match` accepts among `events`, waiting for it if needed. */
export async function waitForEvent<T extends ApiEventMessage>(events: ApiEventMessage[], match: (m: ApiEventMessage) => m is T, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const found = events.find(match);
    if (found) return found;
    if (Date.now() > end) throw new Error(`no matching event among ${events.map((e) => e.event).join(', ')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The value of a call's answer; throws with the error when it failed. */
export async function valueOf<T>(p: Promise<ApiResult<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`call failed: ${JSON.stringify(r.error)}`);
  return r.value as T;
}

/** Starts the operation `method` through `session` and waits until it ends; throws unless it ended done. */
export async function runOp(session: Session, events: ApiEventMessage[], method: string, input: object): Promise<void> {
  const { opId } = await valueOf<{ opId: string }>(session.call(method, input));
  const end = await waitForEvent(
    events,
    (m): m is Extract<ApiEventMessage, { event: 'op.done' | 'op.failed' }> => (m.event === 'op.done' || m.event === 'op.failed') && m.payload.opId === opId,
  );
  if (end.event !== 'op.done') throw new Error(`${method} failed: ${JSON.stringify(end.payload)}`);
}

/** One fake core and one open session per test (made before each, closed and removed after each), with `run` = runOp on them. */
export interface CoreSession {
  f: FakeCore;
  session: Session;
  events: ApiEventMessage[];
  run(method: string, input: object): Promise<void>;
}

export function useCoreSession(): CoreSession {
  const s = {
    events: [] as ApiEventMessage[],
    run: (method: string, input: object) => runOp(s.session, s.events, method, input),
  } as CoreSession;
  beforeEach(async () => {
    s.f = await fakeCore();
    s.events = [];
    s.session = openSession(s.f.core, (m) => s.events.push(m));
  });
  afterEach(async () => {
    s.session.close();
    await s.f.cleanup();
  });
  return s;
}

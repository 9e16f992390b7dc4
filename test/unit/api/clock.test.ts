/**
 * `system.clock` and `system.fixClock` through the core (api/clock.ts) over the in-memory engine:
 * the last measurement reused within its period, `clock.changed` when the verdict changes, the fix
 * only on Docker Desktop (STATE on a Linux engine) and only when asked: the periodic check and a
 * wake measure, they never set a clock.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiEventMessage, ClockInfo } from '../../../electron/shared/contract';
import { createCore, type EngawaCore } from '../../../electron/core/api/create-core';
import type { ClockApiOptions } from '../../../electron/core/api/clock';
import { openSession, type Session } from '../../../electron/core/api/dispatch';
import { SettingsStore } from '../../../electron/core/api/settings';
import { InstanceManager, MemorySecretStore } from '../../../electron/core/instances';
import { FakeEngine } from '../instances/fake-engine';
import { testRecipe } from '../instances/recipe';
import { FAKE_INFO } from './fake-core';

const recipes = { get: () => testRecipe, list: () => [testRecipe] };
const FIVE_MIN = 5 * 60_000;

let home: string;
let engine: FakeEngine;
let core: EngawaCore | undefined;
let session: Session | undefined;
let events: ApiEventMessage[];

async function open(clock?: ClockApiOptions): Promise<Session> {
  const manager = new InstanceManager({ home, engine: async () => engine, secrets: new MemorySecretStore(), recipes });
  core = createCore({
    services: { home, engine: async () => engine, recipes, manager },
    settings: await SettingsStore.open(home),
    info: FAKE_INFO,
    ...(clock && { clock }),
  });
  events = [];
  session = openSession(core, (m) => events.push(m));
  return session;
}

async function call(method: 'system.clock' | 'system.fixClock'): Promise<ClockInfo | null> {
  const r = await session!.call(method, undefined);
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.value as ClockInfo | null;
}

const changes = (): ClockInfo[] => events.flatMap((m) => (m.event === 'clock.changed' ? [m.payload] : []));

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-clock-api-'));
  engine = new FakeEngine();
});

afterEach(async () => {
  session?.close();
  await core?.close();
  core = undefined;
  await rm(home, { recursive: true, force: true });
});

describe('system.clock', () => {
  it('measures when asked: 5 minutes ahead on Docker Desktop is off with the engine-clock fix, told once as clock.changed', async () => {
    engine.os = 'Docker Desktop';
    engine.clockOffsetMs = FIVE_MIN;
    await open();
    const first = await call('system.clock');
    expect(first).toMatchObject({ ok: false, fix: 'engine-clock' });
    expect(Math.round(first!.skewMs / 60_000)).toBe(5);
    expect(changes()).toEqual([first]);
    // reused within its period: the engine is not asked again, and nothing new is told
    engine.clockOffsetMs = 0;
    expect(await call('system.clock')).toEqual(first);
    expect(changes()).toHaveLength(1);
    expect(engine.clockSets).toEqual([]);
  });

  it('20 s off is ok and tells nothing; null when the helper cannot run', async () => {
    engine.clockOffsetMs = 20_000;
    await open();
    expect(await call('system.clock')).toMatchObject({ ok: true, fix: null });
    expect(changes()).toEqual([]);
    session?.close();
    await core?.close();
    engine.clockOffsetMs = undefined;
    await open();
    expect(await call('system.clock')).toBeNull();
  });

  it('a Linux engine off: the advice is NTP, and system.fixClock refuses with STATE', async () => {
    engine.os = 'Ubuntu 24.04.1 LTS';
    engine.clockOffsetMs = -FIVE_MIN;
    await open();
    expect(await call('system.clock')).toMatchObject({ ok: false, fix: 'ntp' });
    await expect(call('system.fixClock')).rejects.toMatchObject({ code: 'STATE', message: /NTP/ });
    expect(engine.clockSets).toEqual([]);
  });
});

describe('system.fixClock', () => {
  it("on Docker Desktop sets the VM's clock, answers the new measurement and tells that it is ok again", async () => {
    engine.os = 'Docker Desktop';
    engine.clockOffsetMs = FIVE_MIN;
    await open();
    await call('system.clock');
    const fixed = await call('system.fixClock');
    expect(engine.clockSets).toHaveLength(1);
    expect(fixed).toMatchObject({ ok: true, fix: null });
    expect(changes().map((c) => c.ok)).toEqual([false, true]);
  });
});

describe('the periodic check and a wake', () => {
  it('measure (only when the shell asked for them) and never set the clock', async () => {
    engine.os = 'Docker Desktop';
    engine.clockOffsetMs = FIVE_MIN;
    const read = vi.spyOn(engine, 'readClock');
    await open({ firstTickMs: 10, periodMs: 30 });
    await vi.waitFor(() => expect(read.mock.calls.length).toBeGreaterThanOrEqual(3), { timeout: 2000 });
    expect(changes()).toHaveLength(1);
    const before = read.mock.calls.length;
    await core!.recheck('a wake from sleep');
    await vi.waitFor(() => expect(read.mock.calls.length).toBeGreaterThan(before));
    expect(engine.clockSets).toEqual([]);
  });

  it('do not run without the shell asking: a core for tests never measures by itself', async () => {
    const read = vi.spyOn(engine, 'readClock');
    await open();
    await core!.recheck('a wake from sleep');
    await new Promise((r) => setTimeout(r, 100));
    expect(read).not.toHaveBeenCalled();
  });
});

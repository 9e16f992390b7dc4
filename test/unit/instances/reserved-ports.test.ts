/**
 * An instance whose port Windows has come to reserve (Hyper-V and WinNAT pick their blocks at
 * boot): `start` moves it to a free port of Engawa's range instead of failing with EACCES forever.
 * A port another program holds is still refused (the user decides), as the manager tests show.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../../electron/core/plan/types';
import { InstanceManager } from '../../../electron/core/instances';
import { LOCAL_PORTS, type PortEnv, type PortRange } from '../../../electron/core/instances/ports';
import { MemorySecretStore } from '../../../electron/core/instances/secret-store';
import { FakeEngine } from './fake-engine';
import { testRecipes } from './recipe';

const recipes = testRecipes;

let home: string;
let engine: FakeEngine;
let reserved: PortRange[];
let logs: string[];
let manager: InstanceManager;
/** A Windows machine whose excluded ranges the test sets; every other port is free. */
const windows: PortEnv = { excludedRanges: async () => reserved, tryListen: async () => undefined };

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-reserved-'));
  engine = new FakeEngine();
  reserved = [];
  logs = [];
  manager = new InstanceManager({ home, engine: async () => engine, secrets: new MemorySecretStore(), recipes, ports: windows, log: (l) => logs.push(l) });
});
afterEach(() => rm(home, { recursive: true, force: true }));

describe('a port the system reserved after it was chosen', () => {
  it('is chosen from Engawa’s range at create', async () => {
    const { instance } = await manager.create({ stack: 'teststack', name: 'blog', domain: 'example.com' });
    for (const p of Object.values(instance.ports)) expect(p >= LOCAL_PORTS.first && p <= LOCAL_PORTS.last).toBe(true);
  });

  it('moves the instance to a free port on start, records it, and starts on it', async () => {
    const { instance } = await manager.create({ stack: 'teststack', name: 'blog', domain: 'example.com' });
    await manager.stop('blog');
    const old = instance.ports.http as number;
    reserved = [{ start: old - 5, end: old + 5 }];

    await manager.start('blog');
    const now = (await manager.get('blog')).ports.http as number;
    expect(now).not.toBe(old);
    expect(now < old - 5 || now > old + 5).toBe(true);
    const [[plan]] = engine.callsOf('start') as [[Plan]];
    expect(plan.services.flatMap((s) => s.ports.map((p) => p.hostPort))).toContain(now);
    expect((await manager.status('blog')).localUrl).toBe(`http://127.0.0.1:${now}`);
    expect(logs.some((l) => l.includes(`port ${old} (http) is reserved by the system now; moved to ${now}`))).toBe(true);
  });

  it('keeps the ports when nothing is reserved', async () => {
    const { instance } = await manager.create({ stack: 'teststack', name: 'blog', domain: 'example.com' });
    await manager.restart('blog');
    expect((await manager.get('blog')).ports).toEqual(instance.ports);
  });
});

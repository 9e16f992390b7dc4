import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InstanceManager } from '../../../electron/core/instances';
import { lockHolder } from '../../../electron/core/instances/lock';
import { MemorySecretStore } from '../../../electron/core/instances/secret-store';
import type { InstanceState } from '../../../electron/core/instances/types';
import { FakeEngine } from './fake-engine';
import { testRecipes } from './recipe';

const recipes = testRecipes;
let home: string;
let engine: FakeEngine;
let manager: InstanceManager;
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-op-'));
  engine = new FakeEngine();
  manager = new InstanceManager({ home, engine: async () => engine, secrets: new MemorySecretStore(), recipes });
});
afterEach(async () => rm(home, { recursive: true, force: true }));

describe('runOperation', () => {
  it('holds the lock, tells listeners the restore states, refuses a second op', async () => {
    await manager.create({ stack: 'teststack', name: 'blog', domain: 'example.com' });
    const states: [string, InstanceState][] = [];
    const sub = manager.watch((n, s) => states.push([n, s]));
    await vi.waitFor(() => expect(engine.subscribers).toBe(1));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const before = await readFile(path.join(home, 'instances', 'blog.json'), 'utf8');
    const running = manager.runOperation('blog', 'restore', async (tx) => {
      const r = await tx.get();
      expect((await lockHolder(home, 'blog'))?.op).toBe('restore');
      expect(await readFile(path.join(home, 'instances', 'blog.json'), 'utf8')).toBe(before);
      await gate;
      const s = await tx.transition({ ...r, volumes: { db: 'x' } }, 'begin');
      await tx.transition(s, 'end');
      return 7;
    });
    await vi.waitFor(async () => expect(await lockHolder(home, 'blog')).not.toBeNull());
    await expect(manager.stop('blog')).rejects.toMatchObject({ code: 'BUSY' });
    await expect(manager.runOperation('blog', 'backup', async () => 1)).rejects.toMatchObject({ code: 'BUSY' });
    release();
    expect(await running).toBe(7);
    expect(states).toEqual([
      ['blog', 'starting'],
      ['blog', 'running'],
    ]);
    expect(manager.states.get('blog')).toBe('running');
    expect(await lockHolder(home, 'blog')).toBeNull();
    expect((await manager.get('blog')).volumes).toEqual({ db: 'x' });
    sub.close();
  });

  it('a backup leaves the state; a tx used after the op refuses', async () => {
    await manager.create({ stack: 'teststack', name: 'blog', domain: 'example.com' });
    let kept: Parameters<Parameters<InstanceManager['runOperation']>[2]>[0] | undefined;
    await manager.runOperation('blog', 'backup', async (tx) => {
      kept = tx;
      const r = await tx.get();
      expect((await tx.transition(r, 'begin')).state).toBe('running');
    });
    await expect(kept!.write(await manager.get('blog'))).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('publish error, remove forgets', async () => {
    await manager.create({ stack: 'teststack', name: 'blog', domain: 'example.com' });
    const states: [string, InstanceState][] = [];
    manager.watch((n, s) => states.push([n, s]));
    await manager.runOperation('blog', 'restore', async (tx) => {
      tx.publish('error');
      await tx.remove();
    });
    expect(states).toEqual([['blog', 'error']]);
    expect(manager.states.has('blog')).toBe(false);
    expect(await manager.find('blog')).toBeUndefined();
  });
});

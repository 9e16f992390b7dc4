import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { checkPolicy, policiesFile, PolicyStore, securityTarget, UpdateScheduler } from '../../../electron/core/update/policy';
import type { InstanceRecord } from '../../../electron/core/instances';
import type { Recipe } from '../../../electron/core/stacks/types';
import type { UpdateDeps } from '../../../electron/core/update/types';

const recipe = (security: boolean): Recipe => ({
  id: 'demo',
  name: 'Demo',
  version: '1.1',
  summary: { en: '', ja: '' },
  memoryMiB: 1,
  secrets: [],
  volumes: [],
  services: [{ name: 'web', image: 'web:1.1', ports: [{ container: 80, name: 'http' }] }],
  setup: [],
  ingress: [],
  web: { service: 'web', port: 'http', healthPath: '/', publicHost: '{{domain}}' },
  admin: { kind: 'none' },
  releases: [
    { version: '1.1', security },
    { version: '1.0', services: { web: { image: 'web:1.0' } } },
  ],
});

const record: InstanceRecord = {
  version: 1,
  name: 'srv',
  stack: 'demo',
  stackVersion: '1.0',
  domain: 'example.com',
  createdAt: '',
  settings: {},
  overrides: [],
  ports: {},
  admin: null,
  tunnel: null,
  state: 'running',
};

function manager(security: boolean, state = 'running', rec: InstanceRecord = record): UpdateDeps['manager'] {
  return { get: async () => rec, baseRecipeOf: () => recipe(security), status: async () => ({ state }) } as unknown as UpdateDeps['manager'];
}

describe('update policies', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'engawa-pol-'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
    vi.useRealTimers();
  });

  it('refuses a policy without a valid hour, naming the range', () => {
    expect(() => checkPolicy({ instance: 'a', mode: 'auto-security', at: '24:00' })).toThrow(/00:00 to 23:59/);
    expect(() => checkPolicy({ instance: 'a', mode: 'auto-security' })).toThrow(/HH:MM/);
    expect(() => checkPolicy({ instance: 'a', mode: 'sometimes' as 'notify' })).toThrow(/notify/);
    expect(checkPolicy({ instance: 'a', mode: 'notify' }).mode).toBe('notify');
  });

  it('keeps policies in one file; notify is the default and clears a policy', async () => {
    const store = new PolicyStore(home);
    expect(await store.get('a')).toEqual({ instance: 'a', mode: 'notify' });
    await store.set({ instance: 'a', mode: 'auto-security', at: '04:30' });
    await store.set({ instance: 'b', mode: 'auto-security', at: '05:00' });
    expect(await store.get('a')).toEqual({ instance: 'a', mode: 'auto-security', at: '04:30' });
    await store.set({ instance: 'a', mode: 'notify' });
    expect(Object.keys(JSON.parse(await readFile(policiesFile(home), 'utf8')) as object)).toEqual(['b']);
    await expect(store.set({ instance: 'c', mode: 'auto-security', at: 'noon' })).rejects.toThrow(/HH:MM/);
  });

  it('installs only a path that holds a security release, on a running server, with no update unfinished', async () => {
    expect(await securityTarget(manager(false), 'srv')).toEqual({ skip: 'no-security-release' });
    expect(await securityTarget(manager(true, 'stopped'), 'srv')).toEqual({ skip: 'not-running' });
    const unfinished = { ...record, update: { target: '1.1' } } as unknown as InstanceRecord;
    expect(await securityTarget(manager(true, 'running', unfinished), 'srv')).toEqual({ skip: 'unfinished-update' });
    expect(await securityTarget(manager(true), 'srv')).toEqual({ target: '1.1' });
  });

  it('runs each auto-security policy at its hour, daily', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date(2026, 11, 2, 3, 0, 0));
    const ran: string[] = [];
    const s = new UpdateScheduler(
      async (i) => void ran.push(i),
      () => {},
    );
    s.set([
      { instance: 'a', mode: 'auto-security', at: '04:00' },
      { instance: 'b', mode: 'notify' },
    ]);
    expect(Object.keys(s.due())).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(59 * 60 * 1000);
    expect(ran).toEqual([]);
    await vi.advanceTimersByTimeAsync(2 * 60 * 1000);
    expect(ran).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(24 * 60 * 60 * 1000);
    expect(ran).toEqual(['a', 'a']);
    s.stop();
  });
});

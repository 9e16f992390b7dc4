/**
 * `system.networkChanged` reaches the core's re-check once per burst, a moment later, with its
 * reason; `system.dockerAutostart` / `system.setDockerAutostart` read and write Docker Desktop's
 * settings file where the core is told to look (the handler, as the dispatcher calls it).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSystemExtras, NETWORK_DEBOUNCE_MS, NETWORK_REASON } from '../../../electron/core/api/system-extras';
import type { ClientContext } from '../../../electron/core/api/types';
import { openSession } from '../../../electron/core/api/dispatch';
import { fakeCore } from './fake-core';

const client = {} as ClientContext;

afterEach(() => {
  vi.useRealTimers();
});

describe('system.networkChanged', () => {
  it('joins a burst of online events into one re-check, made after the debounce, with its reason', async () => {
    vi.useFakeTimers();
    const reasons: string[] = [];
    const lines: string[] = [];
    const extras = createSystemExtras({ recheck: async (r) => void reasons.push(r), log: (l) => lines.push(l) });
    const call = extras.handlers['system.networkChanged'];
    expect(await call(undefined, client)).toBeNull();
    await call(undefined, client);
    await call(undefined, client);
    vi.advanceTimersByTime(NETWORK_DEBOUNCE_MS - 1);
    expect(reasons).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(reasons).toEqual([NETWORK_REASON]);
    expect(lines).toContain('the network came back: re-checking the servers');
    // a later change is its own re-check
    await call(undefined, client);
    vi.advanceTimersByTime(NETWORK_DEBOUNCE_MS);
    expect(reasons).toEqual([NETWORK_REASON, NETWORK_REASON]);
  });

  it('logs a re-check that fails, and drops one not made yet when stopped', async () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    let calls = 0;
    const extras = createSystemExtras({
      recheck: async () => {
        calls++;
        throw new Error('Docker is not running');
      },
      log: (l) => lines.push(l),
    });
    await extras.handlers['system.networkChanged'](undefined, client);
    vi.advanceTimersByTime(NETWORK_DEBOUNCE_MS);
    await vi.waitFor(() => expect(lines.at(-1)).toBe('the re-check after a network change failed: Docker is not running'));
    await extras.handlers['system.networkChanged'](undefined, client);
    extras.stop();
    vi.advanceTimersByTime(NETWORK_DEBOUNCE_MS * 2);
    expect(calls).toBe(1);
  });
});

describe('system.dockerAutostart and system.setDockerAutostart', () => {
  let home: string | undefined;
  afterEach(() => {
    if (home !== undefined) rmSync(home, { recursive: true, force: true });
  });

  it('read the setting where the core is told to look, and turn it on', async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'engawa-extras-'));
    const dir = path.join(home, 'Library', 'Group Containers', 'group.com.docker');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'settings-store.json');
    writeFileSync(file, JSON.stringify({ AutoStart: false, DisplayedOnboarding: true }));
    const lines: string[] = [];
    const extras = createSystemExtras({ place: { platform: 'darwin', home, env: {} }, recheck: async () => {}, log: (l) => lines.push(l) });
    expect(await extras.handlers['system.dockerAutostart'](undefined, client)).toEqual({ enabled: false, file });
    expect(await extras.handlers['system.setDockerAutostart']({ enabled: true }, client)).toEqual({ enabled: true, file });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ AutoStart: true, DisplayedOnboarding: true });
    expect(lines.at(-1)).toContain('is now on');
  });
});

describe('through the dispatcher', () => {
  it('refuses a setDockerAutostart without a boolean, before anything is read or written', async () => {
    const f = await fakeCore();
    try {
      const session = openSession(f.core, () => {});
      for (const input of [undefined, {}, { enabled: 'yes' }, { enabled: true, file: '/etc/passwd' }]) {
        const result = await session.call('system.setDockerAutostart', input as never);
        expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
      }
      expect(await session.call('system.networkChanged', undefined)).toEqual({ ok: true, value: null });
      session.close();
    } finally {
      await f.cleanup();
    }
  });
});

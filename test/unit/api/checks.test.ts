/**
 * The checks.* methods of the core over the in-memory engine and the test recipe, with every
 * https:// request sent to the Cloudflare-like front (test/stubs/cloudflare/front.ts) answering for
 * the server's public name: a check on demand is kept and told to every client (`check.done`,
 * with how the check before it went), a server without a tunnel gets the one "local only" item, the
 * daily check runs for a running server with a tunnel whose last check is a day old (and only
 * those), and a deleted server's check goes with it.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiEventMessage, ApiResult, CheckResultInfo } from '../../../electron/shared/contract';
import { createCore, type EngawaCore } from '../../../electron/core/api/create-core';
import { openSession, type Session } from '../../../electron/core/api/dispatch';
import { SettingsStore } from '../../../electron/core/api/settings';
import { checkFile, frontTransport, lastCheck } from '../../../electron/core/check/index';
import { InstanceManager } from '../../../electron/core/instances/manager';
import { MemorySecretStore } from '../../../electron/core/instances/secret-store';
import { startFront, type Front } from '../../stubs/cloudflare/front';
import { FakeEngine } from '../instances/fake-engine';
import { testRecipe } from '../instances/recipe';
import { FAKE_INFO, waitForEvent } from './fake-core';

const recipes = { get: () => testRecipe, list: () => [testRecipe] };

let home: string;
let front: Front;
let core: EngawaCore;
let manager: InstanceManager;
let session: Session;
let events: ApiEventMessage[];
const lines: string[] = [];

let engine: FakeEngine;
let secrets: MemorySecretStore;

/** A core over the test's home, engine and secrets (opened again: the app restarted). */
async function open(checks: { firstTickMs?: number; now?: () => number } = {}): Promise<void> {
  const connect = async () => engine;
  manager = new InstanceManager({ home, engine: connect, secrets, recipes });
  core = createCore({
    services: { home, engine: connect, recipes, manager },
    settings: await SettingsStore.open(home),
    info: FAKE_INFO,
    log: (l) => lines.push(l),
    checks: { transport: frontTransport(front.url), timeoutMs: 2000, firstTickMs: checks.firstTickMs ?? 3_600_000, ...(checks.now && { now: checks.now }) },
  });
  events = [];
  session = openSession(core, (m) => events.push(m));
}

async function value<T>(p: Promise<ApiResult<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`call failed: ${JSON.stringify(r.error)}`);
  return r.value as T;
}

const isDone = (m: ApiEventMessage): m is Extract<ApiEventMessage, { event: 'check.done' }> => m.event === 'check.done';
const isEnd = (m: ApiEventMessage): m is Extract<ApiEventMessage, { event: 'op.done' | 'op.failed' }> => m.event === 'op.done' || m.event === 'op.failed';

/** Creates `name` (running, on the fake engine), with a token-mode tunnel for `<name>.example.com` unless `tunnel` is false. */
async function create(name: string, tunnel = true): Promise<void> {
  await value(session.call('instances.create', { stack: testRecipe.id, name, domain: `${name}.example.com` }));
  await waitForEvent(events, isEnd);
  events.length = 0;
  if (!tunnel) return;
  await secrets.set(name, { ...(await secrets.get(name)), tunnel_token: 'eyJhIjoiZmFrZSJ9' });
  await manager.runOperation(name, 'update', async (tx) =>
    tx.write({
      ...(await tx.get()),
      tunnel: { mode: 'token', protocol: 'auto', publicHost: `${name}.example.com`, tunnelId: '6ff42ae2-765d-4adf-8112-31c55c1551ef' },
    }),
  );
}

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-checks-api-'));
  lines.length = 0;
  engine = new FakeEngine();
  secrets = new MemorySecretStore();
  front = await startFront({
    upstream: (req) => (req.host.endsWith('.example.com') ? { status: 200, headers: { 'content-type': 'text/html' }, body: '<h1>ok</h1>' } : undefined),
  });
});

afterEach(async () => {
  session.close();
  await core.ops.settled();
  await core.close();
  await front.close();
  await rm(home, { recursive: true, force: true });
});

describe('checks.run and checks.last', () => {
  it('checks through the public name, keeps the result and tells every client how it went, and how the one before went', async () => {
    await open();
    await create('blog');
    expect(await value(session.call('checks.last', { name: 'blog' }))).toBeNull();
    const first = await value<CheckResultInfo>(session.call('checks.run', { name: 'blog' }));
    expect(first).toMatchObject({ instance: 'blog', publicUrl: 'https://blog.example.com', ok: true });
    expect(first.items.find((i) => i.id === 'tunnel')).toMatchObject({ pass: true, adviceKey: 'tunnel' });
    expect(front.requests.every((r) => r.host === 'blog.example.com')).toBe(true);
    expect(await value(session.call('checks.last', { name: 'blog' }))).toEqual(first);
    expect(events.filter(isDone).map((e) => e.payload)).toEqual([{ name: 'blog', ok: true, previousOk: null, failed: 0, checkedAt: first.checkedAt }]);

    // the tunnel goes down: one item, not a cascade, and the event says it passed before
    front.inject({ kind: 'tunnel-down' });
    const second = await value<CheckResultInfo>(session.call('checks.run', { name: 'blog' }));
    expect(second.ok).toBe(false);
    expect(second.items.filter((i) => i.pass === false).map((i) => [i.id, i.adviceKey])).toEqual([['tunnel', 'tunnel-down']]);
    expect(events.filter(isDone).at(-1)?.payload).toMatchObject({ ok: false, previousOk: true, failed: 1 });
  });

  it('joins a check asked for while one runs: one check, one event', async () => {
    await open();
    await create('blog');
    const [a, b] = await Promise.all([session.call('checks.run', { name: 'blog' }), session.call('checks.run', { name: 'blog' })]);
    expect(a.ok && b.ok && a.value).toEqual(b.ok && b.value);
    expect(events.filter(isDone)).toHaveLength(1);
    expect(front.requests.filter((r) => r.path === '/')).toHaveLength(1);
  });

  it('says a server without a tunnel is local only; refuses a server that does not exist', async () => {
    await open();
    await create('local', false);
    const r = await value<CheckResultInfo>(session.call('checks.run', { name: 'local' }));
    expect(r.items.map((i) => [i.id, i.pass, i.adviceKey])).toEqual([['local-only', false, 'local-only']]);
    expect(front.requests).toEqual([]);
    const missing = await session.call('checks.run', { name: 'nobody' });
    expect(missing.ok ? undefined : missing.error.code).toBe('NOT_FOUND');
    const crawl = await session.call('checks.requestCrawl', { name: 'local' });
    expect(crawl.ok ? undefined : crawl.error.code).toBe('STATE');
  });

  it('goes with a deleted server', async () => {
    await open();
    await create('gone');
    await value(session.call('checks.run', { name: 'gone' }));
    await stat(checkFile(home, 'gone'));
    await value(session.call('instances.destroy', { name: 'gone' }));
    await vi.waitFor(async () => expect(await lastCheck(home, 'gone')).toBeNull());
  });
});

describe('the daily check', () => {
  it('checks a running server with a tunnel whose last check is a day old, and leaves the others alone', async () => {
    await open();
    await create('old');
    await create('fresh');
    await create('local', false);
    await value(session.call('checks.run', { name: 'old' }));
    await value(session.call('checks.run', { name: 'fresh' }));
    // the last check of "old" was made 25 hours ago
    const old = await lastCheck(home, 'old');
    await writeFile(checkFile(home, 'old'), JSON.stringify({ ...old, checkedAt: new Date(Date.now() - 25 * 3600_000).toISOString() }));
    const freshAt = (await lastCheck(home, 'fresh'))?.checkedAt;
    session.close();
    await core.close();

    await open({ firstTickMs: 20 });
    const done = await waitForEvent(events, isDone);
    expect(done.payload).toMatchObject({ name: 'old', ok: true, previousOk: true });
    await vi.waitFor(() => expect(lines.join('\n')).toContain('the daily check of "old": nothing failed'));
    expect(events.filter(isDone).map((e) => e.payload.name)).toEqual(['old']);
    expect((await lastCheck(home, 'fresh'))?.checkedAt).toBe(freshAt);
    expect(await lastCheck(home, 'local')).toBeNull();
  });
});

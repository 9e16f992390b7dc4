/**
 * `engawa check` in-process against an in-memory engine and a temporary home: a test stack (with
 * Mastodon's check data) made with `create`, given a tunnel in its record, checked through the
 * Cloudflare-like front with ENGAWA_CHECK_FRONT_URL. The JSON shape, exit codes 0 and 1, the human
 * form, the result kept under <home>/checks, `--last`, a server without a tunnel, and no secret
 * (the tunnel token included) ever in the output.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../electron/core/cli/run';
import { TEST_HOOK_VARIABLES, withoutTestHooks } from '../../../electron/core/api/wiring';
import { secretFile, type InstanceRecord } from '../../../electron/core/instances';
import { mastodonRecipe } from '../../../electron/core/stacks/mastodon/recipe';
import { mastodonUpstream, startFront, type Front } from '../../stubs/cloudflare/front';
import { FakeEngine } from '../instances/fake-engine';

const REPO = path.resolve(import.meta.dirname, '../../..');
const DOMAIN = 'social.example.com';
const TOKEN = 'eyJhIjoiYWNjb3VudCIsInQiOiJ0dW5uZWwiLCJzIjoic2VjcmV0c2VjcmV0In0';

let fixtures: string;
let recipeFile: string;
let home: string;
let engine: FakeEngine;
let front: Front;
let secrets: Record<string, string>;
let out = '';
let err = '';

const cli = (args: string[], env: Record<string, string> = {}): Promise<number> => {
  out = '';
  err = '';
  return runCli(args, {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    env: { ENGAWA_HOME: home, ENGAWA_RECIPES: recipeFile, ENGAWA_CHECK_FRONT_URL: front.url, ...env },
    engine: async () => engine,
  });
};

const recordFile = (name: string) => path.join(home, 'instances', `${name}.json`);
async function editRecord(name: string, change: (r: InstanceRecord) => InstanceRecord): Promise<void> {
  await writeFile(recordFile(name), JSON.stringify(change(JSON.parse(await readFile(recordFile(name), 'utf8')) as InstanceRecord), null, 2));
}

beforeAll(async () => {
  fixtures = await mkdtemp(path.join(os.tmpdir(), 'engawa-cli-check-recipe-'));
  const base = JSON.parse(await readFile(path.join(REPO, 'test/fixtures/recipes/test-web.json'), 'utf8')) as Record<string, unknown>;
  base.check = mastodonRecipe.check;
  recipeFile = path.join(fixtures, 'test-web.json');
  await writeFile(recipeFile, JSON.stringify(base));
});
afterAll(() => rm(fixtures, { recursive: true, force: true }));

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'engawa-cli-check-'));
  engine = new FakeEngine();
  front = await startFront({ upstream: () => undefined });
  expect(await cli(['create', 'test-web', '--name', 'srv', '--domain', DOMAIN, '--json']), err).toBe(0);
  // a tunnel made in Cloudflare's dashboard, and the owner account the check looks up
  await editRecord('srv', (r) => ({
    ...r,
    admin: { user: 'owner', email: `owner@${DOMAIN}` },
    tunnel: { mode: 'token', protocol: 'auto', publicHost: DOMAIN, tunnelId: 'c0ffee00-0000-4000-8000-000000000000' },
  }));
  secrets = { ...(JSON.parse(await readFile(secretFile(home, 'srv'), 'utf8')) as Record<string, string>), tunnel_token: TOKEN };
  await writeFile(secretFile(home, 'srv'), JSON.stringify(secrets));
  // the upstream answers carry the instance's secrets: the check must never show them
  await front.close();
  const leak = `token ${TOKEN} secret ${secrets.app_secret} db ${secrets.db_password}`;
  const upstream = mastodonUpstream({ domain: DOMAIN, admin: 'owner', summary: leak });
  front = await startFront({ upstream: (r) => (r.path === '/health' ? { status: 200, body: `OK ${leak}` } : upstream(r)) });
});
afterEach(async () => {
  await front.close();
  await rm(home, { recursive: true, force: true });
});

function expectNoSecrets(): void {
  for (const [key, value] of Object.entries(secrets)) {
    expect(out, key).not.toContain(value);
    expect(err, key).not.toContain(value);
  }
}

describe('engawa check', () => {
  it('--json: one JSON document in the stable shape, exit 0 when nothing failed, kept under <home>/checks', async () => {
    expect(await cli(['check', 'srv', '--json']), err).toBe(0);
    const result = JSON.parse(out) as Record<string, unknown> & { items: Record<string, unknown>[] };
    expect(Object.keys(result)).toEqual(['version', 'instance', 'stack', 'publicUrl', 'checkedAt', 'durationMs', 'ok', 'counts', 'items']);
    expect(result).toMatchObject({
      version: 1,
      instance: 'srv',
      stack: 'test-web',
      publicUrl: `https://${DOMAIN}`,
      ok: true,
      counts: { failed: 0, unknown: 1 },
    });
    expect(Date.parse(result.checkedAt as string)).not.toBeNaN();
    for (const item of result.items) {
      expect(Object.keys(item)).toEqual(['id', 'kind', 'pass', 'adviceKey', 'message', 'details']);
      expect(Object.keys(item.details as object)).toEqual(['request', 'status', 'contentType', 'bodyExcerpt']);
    }
    expect(result.items.map((i) => i.id)).toContain('actor');
    expect(JSON.parse(await readFile(path.join(home, 'checks', 'srv.json'), 'utf8'))).toEqual(result);
    expect(out).toContain('[redacted]');
    expectNoSecrets();
  });

  it('exit 1 when an item failed, with the whole result still printed', async () => {
    front.inject({ kind: 'challenge-fediverse' });
    expect(await cli(['check', 'srv', '--json'])).toBe(1);
    const result = JSON.parse(out) as { ok: boolean; items: { id: string; pass: unknown; adviceKey: string }[] };
    expect(result.ok).toBe(false);
    expect(result.items.filter((i) => i.pass === false)).toEqual([expect.objectContaining({ id: 'fediverse-agent', adviceKey: 'bot-fight-mode' })]);
    expect(err).toBe('');
    expectNoSecrets();
  });

  it('prints one line per item and a summary; --last shows the kept check without asking anything', async () => {
    front.inject({ kind: 'clock-off', offsetMs: 600_000 });
    expect(await cli(['check', 'srv'])).toBe(1);
    expect(out).toMatch(/^Check of "srv" at https:\/\/social\.example\.com, \S+ \(\d+\.\d s\):\n/);
    expect(out).toMatch(/\n {2}✓ webfinger: WebFinger for owner@social\.example\.com answers as expected\.\n/);
    expect(out).toMatch(/\n {2}✗ clock: The time in answers from social\.example\.com is 10 minutes ahead of this computer's clock/);
    expect(out).toMatch(/\n {2}\? certificate:social\.example\.com: /);
    expect(out).toMatch(/\n {2}i upload-limit: /);
    expect(out).toMatch(/\n✗ 1 failed, \d+ passed, 1 not checked\.\n$/);
    const shown = out;
    const asked = front.requests.length;
    expect(await cli(['check', 'srv', '--last'])).toBe(1);
    expect(out).toBe(shown);
    expect(front.requests.length).toBe(asked);
    expectNoSecrets();
  });

  it('the tunnel down is one item and exit 1', async () => {
    front.inject({ kind: 'tunnel-down' });
    expect(await cli(['check', 'srv', '--json'])).toBe(1);
    expect((JSON.parse(out) as { items: { id: string }[] }).items.map((i) => i.id)).toEqual(['tunnel']);
  });

  it('a server without a tunnel: one item saying it is local only, exit 1, nothing asked', async () => {
    await editRecord('srv', (r) => ({ ...r, tunnel: null }));
    expect(await cli(['check', 'srv'])).toBe(1);
    expect(out).toMatch(/✗ local-only: "srv" has no Cloudflare Tunnel, so only this computer can reach it/);
    expect(front.requests).toEqual([]);
  });

  it('refuses a server that does not exist, and --last before any check', async () => {
    expect(await cli(['check', 'nobody'])).toBe(1);
    expect(err).toMatch(/There is no instance "nobody"/);
    expect(await cli(['check', 'srv', '--last'])).toBe(1);
    expect(err).toMatch(/"srv" has not been checked yet; run "engawa check srv"/);
    expect(await cli(['check'])).toBe(2);
  });

  it('its test hooks are among those the packaged app drops', () => {
    for (const v of ['ENGAWA_CHECK_FRONT_URL', 'ENGAWA_CHECK_PLC_URL', 'ENGAWA_CHECK_RELAY_URL']) {
      expect(TEST_HOOK_VARIABLES).toContain(v);
      expect(withoutTestHooks({ [v]: 'http://127.0.0.1:1' })).toEqual({});
    }
  });
});

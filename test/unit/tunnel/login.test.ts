/**
 * The sign-in flow against a scripted cloudflared (in-memory Cloudflare, the real output formats)
 * behind a fake engine: what reaches the caller, what is created, resumed, refused and removed.
 */
import { describe, expect, it } from 'vitest';
import { EngawaError } from '../../../electron/core/util/errors';
import type { EngineApi, TaskResult } from '../../../electron/core/engine/types';
import type { Progress } from '../../../electron/core/util/progress';
import { provisionLogin, signIn, SIGN_IN_STEP, teardownLogin, type LoginTunnel, type SignInInput } from '../../../electron/core/tunnel/login';

const LINK = 'https://dash.cloudflare.com/argotunnel?aud=&callback=https%3A%2F%2Flogin.cloudflareaccess.org%2Fabc%3D';
const TOOL = 'engawa-s_cloudflared';
const ok = (stdout = '', stderr = ''): TaskResult => ({ exitCode: 0, stdout, stderr });
const fail = (stderr: string): TaskResult => ({ exitCode: 1, stdout: '', stderr });
const SECRET = 'dHVubmVsLXNlY3JldC1vZi0zMi1ieXRlcy1sb25nISE=';

/** cloudflared and Cloudflare, scripted: `approve()` is the user clicking Authorize. */
class FakeCloudflared {
  readonly calls: string[] = [];
  readonly removed: string[] = [];
  cert = false;
  zone = 'example.com';
  offline = false;
  giveUp = false;
  garbledToken = false;
  readonly tunnels = new Map<string, { name: string; deleted: boolean }>();
  readonly dns = new Map<string, string>();
  private approval?: () => void;
  private count = 0;

  approve(): void {
    this.approval?.();
  }

  engine(): EngineApi {
    const fake = {
      ensureImages: async () => undefined,
      apply: async () => [],
      remove: async (project: string) => {
        this.removed.push(project);
        this.cert = false; // the volume is gone
      },
      runStep: (_plan: unknown, step: { command: string[] }, opts?: Parameters<EngineApi['runStep']>[2]) => this.run(step.command, opts ?? {}),
    };
    return fake as unknown as EngineApi;
  }

  private async run(argv: string[], opts: NonNullable<Parameters<EngineApi['runStep']>[2]>): Promise<TaskResult> {
    this.calls.push(argv.join(' '));
    const [, cmd, ...rest] = argv;
    if (this.offline) return fail('REST request failed: dial tcp: lookup api.cloudflare.com: no such host');
    if (cmd === 'login') return this.login(opts);
    if (!this.cert)
      return fail("Cannot determine default origin certificate path. No file cert.pem in [~/.cloudflared]\nclient didn't specify origincert path");
    if (cmd === 'list') {
      const name = rest.includes('--name') ? rest[rest.indexOf('--name') + 1] : undefined;
      const list = [...this.tunnels].filter(([, t]) => !t.deleted && (name === undefined || t.name === name));
      return ok(list.length === 0 ? 'null\n' : JSON.stringify(list.map(([id, t]) => ({ id, name: t.name, deleted_at: '0001-01-01T00:00:00Z' }))));
    }
    if (cmd === 'create') {
      const id = `00000000-0000-4000-8000-00000000000${++this.count}`;
      this.tunnels.set(id, { name: rest[0] as string, deleted: false });
      return ok(`Tunnel credentials written to /home/nonroot/.cloudflared/${id}.json. Keep this file secret.\n\nCreated tunnel ${rest[0]} with id ${id}\n`);
    }
    if (cmd === 'token' && rest[0] === '--credentials-file')
      return fail(`error writing token credentials to JSON file in path ${rest[1]}: ${rest[1]} already exists`);
    if (cmd === 'token') {
      const id = rest[0] as string;
      if (!this.tunnels.has(id)) return fail(`error parsing tunnel ID: ${id} is neither the ID nor the name of any of your tunnels`);
      return ok(`${this.garbledToken ? 'not-a-token!' : Buffer.from(JSON.stringify({ a: 'account-id', t: id, s: SECRET })).toString('base64')}\n`);
    }
    if (cmd === 'route') {
      const [, id, host] = rest as [string, string, string];
      const name = host.endsWith(this.zone) ? host : `${host}.${this.zone}`;
      const existing = this.dns.get(name);
      if (existing === `${id}.cfargotunnel.com`) return ok('', `2026-08-20T10:00:00Z INF ${name} is already configured to route to your tunnel tunnelID=${id}`);
      if (existing !== undefined) return fail('Failed to add route: code: 1003, reason: An A, AAAA, or CNAME record with that host already exists.');
      this.dns.set(name, `${id}.cfargotunnel.com`);
      return ok('', `2026-08-20T10:00:00Z INF Added CNAME ${name} which will route to this tunnel tunnelID=${id}`);
    }
    if (cmd === 'delete') {
      const t = this.tunnels.get(rest[1] as string);
      if (t) t.deleted = true;
      return ok();
    }
    throw new Error(`unexpected cloudflared ${argv.join(' ')}`);
  }

  private login(opts: NonNullable<Parameters<EngineApi['runStep']>[2]>): Promise<TaskResult> {
    if (this.cert)
      return Promise.resolve(
        ok('', '2026-08-20T10:00:00Z ERR You have an existing certificate at /home/nonroot/.cloudflared/cert.pem which login would overwrite.'),
      );
    const approved = new Promise<TaskResult>((resolve, reject) => {
      opts.signal?.addEventListener('abort', () => reject(new EngawaError('CANCELLED', 'The operation was cancelled.')), { once: true });
      this.approval = () => {
        this.cert = true;
        resolve(ok('', '2026-08-20T10:00:00Z INF You have successfully logged in.'));
      };
    });
    for (const line of [
      'Please open the following URL and log in with your Cloudflare account:',
      '',
      LINK,
      '',
      'Leave cloudflared running to download the cert automatically.',
    ]) {
      opts.onLine?.('stderr', line);
    }
    if (this.giveUp) {
      approved.catch(() => undefined); // nobody waits for it any more
      return Promise.resolve(fail('2026-08-20T10:00:00Z ERR Failed to write the certificate.\nfailed to fetch resource'));
    }
    return approved;
  }
}

function input(over: Partial<SignInInput> = {}): SignInInput {
  return {
    project: 'engawa-s',
    instance: 's',
    publicHost: 'social.example.com',
    hostnames: ['social.example.com', '*.example.com'],
    tunnelName: 'engawa-s-abc123',
    protocol: 'auto',
    ...over,
  };
}

function setup() {
  const cf = new FakeCloudflared();
  const events: Progress[] = [];
  const saved: LoginTunnel[] = [];
  const ctx = { engine: cf.engine(), images: {}, onProgress: (p: Progress) => events.push(p) };
  const save = async (t: LoginTunnel) => {
    saved.push(t);
  };
  return { cf, events, saved, ctx, save };
}

/** Signs in, approving as soon as the link arrives. */
async function signedIn(s: ReturnType<typeof setup>): Promise<LoginTunnel> {
  return signIn(input({ onLink: () => s.cf.approve() }), s.ctx);
}

async function caught(p: Promise<unknown>): Promise<EngawaError> {
  try {
    await p;
  } catch (e) {
    return e as EngawaError;
  }
  throw new Error('expected a failure');
}

describe('signIn', () => {
  it('hands the link to the caller (callback and progress), waits for the approval and checks the sign-in', async () => {
    const s = setup();
    const links: string[] = [];
    const record = await signIn(input({ onLink: (url) => (links.push(url), s.cf.approve()) }), s.ctx);
    expect(links).toEqual([LINK]);
    expect(s.events).toContainEqual({ kind: 'step', step: SIGN_IN_STEP, state: 'start', detail: LINK });
    expect(s.events).toContainEqual({ kind: 'step', step: SIGN_IN_STEP, state: 'done' });
    expect(s.cf.calls).toEqual(['tunnel login', 'tunnel list --output json']);
    expect(record).toEqual({
      mode: 'login',
      protocol: 'auto',
      publicHost: 'social.example.com',
      name: 'engawa-s-abc123',
      volume: TOOL,
      hostnames: ['social.example.com', '*.example.com'],
      routed: [],
    });
    expect(s.cf.removed).toEqual([]);
  });

  it('gives up after its time with a clear message, and removes the volume it made', async () => {
    const s = setup();
    const err = await caught(signIn(input({ timeoutMs: 30 }), s.ctx));
    expect(err.code).toBe('TIMEOUT');
    expect(err.message).toMatch(/sign-in was not finished within 1 second, so nothing was created/);
    expect(s.cf.removed).toEqual([TOOL]);
    expect(s.events).toContainEqual({ kind: 'step', step: SIGN_IN_STEP, state: 'failed' });
  });

  it('stops when the operation is cancelled, removing the volume', async () => {
    const s = setup();
    const abort = new AbortController();
    const err = await caught(signIn(input({ onLink: () => abort.abort() }), { ...s.ctx, signal: abort.signal }));
    expect(err.code).toBe('CANCELLED');
    expect(s.cf.removed).toEqual([TOOL]);
  });

  it('says so when cloudflared stops waiting by itself', async () => {
    const s = setup();
    s.cf.giveUp = true;
    const err = await caught(signIn(input(), s.ctx));
    expect(err.code).toBe('TASK_FAILED');
    expect(err.message).toMatch(/cloudflared could not finish the sign-in/);
    expect(s.cf.removed).toEqual([TOOL]);
  });

  it('reuses the sign-in an earlier attempt left, with no link', async () => {
    const s = setup();
    s.cf.cert = true;
    const links: string[] = [];
    await signIn(input({ onLink: (url) => links.push(url) }), s.ctx);
    expect(links).toEqual([]);
    expect(s.events).toContainEqual({ kind: 'step', step: SIGN_IN_STEP, state: 'skipped', detail: 'signed in by an earlier attempt' });
  });

  it('rejects a nonsense wait before touching anything', async () => {
    const s = setup();
    expect((await caught(signIn(input({ timeoutMs: -1 }), s.ctx))).code).toBe('INVALID_INPUT');
    expect(s.cf.calls).toEqual([]);
  });
});

describe('provisionLogin', () => {
  it('creates the tunnel by name and routes every host name, saving as it goes; a second run changes nothing', async () => {
    const s = setup();
    const first = await provisionLogin(await signedIn(s), { ...s.ctx, save: s.save });
    const id = [...s.cf.tunnels.keys()][0] as string;
    expect(first).toMatchObject({ tunnelId: id, routed: ['social.example.com', '*.example.com'] });
    expect(s.saved.map((t) => [t.tunnelId, t.routed.length])).toEqual([
      [id, 0],
      [id, 1],
      [id, 2],
    ]);
    expect(s.cf.calls.slice(2)).toEqual([
      'tunnel list --name engawa-s-abc123 --output json',
      'tunnel create engawa-s-abc123',
      `tunnel route dns ${id} social.example.com`,
      `tunnel route dns ${id} *.example.com`,
    ]);
    const dns = new Map(s.cf.dns);

    s.cf.calls.length = 0;
    const again = await provisionLogin(first, { ...s.ctx, save: s.save });
    expect(again).toEqual(first);
    expect(s.cf.calls.filter((c) => c.startsWith('tunnel create'))).toEqual([]);
    expect(s.cf.calls[1]).toBe(`tunnel token --credentials-file /home/nonroot/.cloudflared/${id}.json ${id}`);
    expect(s.cf.tunnels.size).toBe(1);
    expect(s.cf.dns).toEqual(dns);
  });

  it('with keepCredentials, fetches the tunnel credentials with `tunnel token` and hands them over; nothing is written next to cert.pem', async () => {
    const s = setup();
    const kept: string[] = [];
    const first = await provisionLogin(await signedIn(s), { ...s.ctx, save: s.save, keepCredentials: async (c) => void kept.push(c) });
    const id = first.tunnelId as string;
    expect(s.cf.calls.slice(2)).toEqual([
      'tunnel list --name engawa-s-abc123 --output json',
      'tunnel create engawa-s-abc123',
      `tunnel token ${id}`,
      `tunnel route dns ${id} social.example.com`,
      `tunnel route dns ${id} *.example.com`,
    ]);
    expect(kept.map((c) => JSON.parse(c))).toEqual([{ AccountTag: 'account-id', TunnelSecret: SECRET, TunnelID: id }]);
    expect(s.events).toContainEqual({ kind: 'step', step: 'Fetch the tunnel credentials', state: 'done' });

    s.cf.calls.length = 0;
    await provisionLogin(first, { ...s.ctx, save: s.save, keepCredentials: async (c) => void kept.push(c) });
    expect(s.cf.calls).toEqual([
      'tunnel list --name engawa-s-abc123 --output json',
      `tunnel token ${id}`,
      `tunnel route dns ${id} social.example.com`,
      `tunnel route dns ${id} *.example.com`,
    ]);
    expect(kept[1]).toBe(kept[0]);
  });

  it('refuses what `tunnel token` printed when it is not a token of that tunnel, without repeating it', async () => {
    const s = setup();
    s.cf.garbledToken = true;
    const kept: string[] = [];
    const err = await caught(provisionLogin(await signedIn(s), { ...s.ctx, save: s.save, keepCredentials: async (c) => void kept.push(c) }));
    expect(err.message).toMatch(/fetch the tunnel credentials/);
    expect(JSON.stringify(err)).not.toContain('not-a-token!');
    expect(kept).toEqual([]);
  });

  it('refuses to replace a DNS record it did not make', async () => {
    const s = setup();
    s.cf.dns.set('social.example.com', '192.0.2.1');
    const err = await caught(provisionLogin(await signedIn(s), { ...s.ctx, save: s.save }));
    expect(err.code).toBe('NAME_TAKEN');
    expect(err.message).toMatch(/social\.example\.com already has a DNS record Engawa did not create/);
    expect(s.cf.dns.get('social.example.com')).toBe('192.0.2.1');
    expect(s.saved.at(-1)?.routed).toEqual([]);
  });

  it('notices a sign-in with the wrong domain, and remembers the record Cloudflare made instead', async () => {
    const s = setup();
    const t = await signedIn(s);
    s.cf.zone = 'example.net';
    const err = await caught(provisionLogin(t, { ...s.ctx, save: s.save }));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(/made the DNS record social\.example\.com\.example\.net instead/);
    expect(s.saved.at(-1)?.routed).toEqual(['social.example.com.example.net']);
  });
});

describe('teardownLogin', () => {
  it('deletes the tunnel with -f, names the DNS records to delete by hand, then removes the sign-in', async () => {
    const s = setup();
    const t = await provisionLogin(await signedIn(s), { ...s.ctx, save: s.save });
    s.cf.calls.length = 0;
    await teardownLogin(t, { ...s.ctx, save: s.save });
    expect(s.cf.calls).toEqual(['tunnel list --name engawa-s-abc123 --output json', `tunnel delete -f ${t.tunnelId}`]);
    expect([...s.cf.tunnels.values()].every((x) => x.deleted)).toBe(true);
    expect(s.events).toContainEqual(expect.objectContaining({ kind: 'step', step: 'Delete the DNS records Engawa made', state: 'skipped' }));
    const lines = s.events.flatMap((e) => (e.kind === 'log' ? [e.line] : []));
    expect(lines).toContain(
      `In Cloudflare's dashboard (your domain → DNS → Records), delete the CNAME record social.example.com (it points to ${t.tunnelId}.cfargotunnel.com).`,
    );
    expect(lines.filter((l) => l.includes('delete the CNAME record'))).toHaveLength(2);
    expect(s.cf.removed).toEqual([TOOL]);
    expect(s.saved.at(-1)?.tunnelId).toBeUndefined();
  });

  it('when the sign-in is gone, says which tunnel to delete in the dashboard and still finishes', async () => {
    const s = setup();
    const t = await provisionLogin(await signedIn(s), { ...s.ctx, save: s.save });
    s.cf.cert = false;
    await teardownLogin(t, { ...s.ctx, save: s.save });
    const lines = s.events.flatMap((e) => (e.kind === 'log' ? [e.line] : []));
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`could not delete the tunnel engawa-s-abc123 \\(${t.tunnelId}\\) because its Cloudflare sign-in is gone`)),
    );
    expect(s.cf.removed).toEqual([TOOL]);
  });

  it('fails, keeping the sign-in for a retry, when Cloudflare cannot be reached', async () => {
    const s = setup();
    const t = await provisionLogin(await signedIn(s), { ...s.ctx, save: s.save });
    s.cf.offline = true;
    const err = await caught(teardownLogin(t, { ...s.ctx, save: s.save }));
    expect(err.code).toBe('OFFLINE');
    expect(s.cf.removed).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { neededAnswers, runHttpSteps } from '../../../electron/core/instances/http-steps';
import type { PlannedHttpStep } from '../../../electron/core/plan/types';
import type { Progress } from '../../../electron/core/util/progress';
import { isEngawaError } from '../../../electron/core/util/errors';

interface Seen {
  path: string;
  host: string;
  auth?: string;
  body: unknown;
}

let server: http.Server;
let port: number;
const seen: Seen[] = [];
/** path → [status, body] */
const answers = new Map<string, [number, string]>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        path: req.url ?? '',
        host: req.headers.host ?? '',
        ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'),
      });
      const [status, body] = answers.get(req.url ?? '') ?? [200, '{}'];
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const invite: PlannedHttpStep = {
  name: 'invite',
  description: 'invite',
  when: 'create',
  path: '/xrpc/invite',
  body: { useCount: 1 },
  basicAuth: { user: 'admin', password: 'very-secret-pw' },
  admin: true,
};
const account: PlannedHttpStep = {
  name: 'account',
  description: 'account',
  when: 'create',
  path: '/xrpc/account',
  body: { handle: 'alice.example.com', password: 'owner-secret-pw' },
  bodyFromResponse: { step: 'invite', field: 'code', as: 'inviteCode' },
  admin: true,
};

describe('runHttpSteps', () => {
  it('posts JSON with the public Host, Basic auth and a field of an earlier answer, reporting progress', async () => {
    seen.length = 0;
    answers.set('/xrpc/invite', [200, JSON.stringify({ code: 'inv-123' })]);
    answers.set('/xrpc/account', [200, JSON.stringify({ did: 'did:plc:x' })]);
    const progress: Progress[] = [];
    const done: string[] = [];
    await runHttpSteps(
      [invite, account],
      { port, host: 'pds.example.com' },
      {
        secretValues: [],
        onProgress: (p) => progress.push(p),
        onDone: (s) => {
          done.push(s.name);
        },
      },
    );
    expect(seen).toEqual([
      { path: '/xrpc/invite', host: 'pds.example.com', auth: `Basic ${Buffer.from('admin:very-secret-pw').toString('base64')}`, body: { useCount: 1 } },
      { path: '/xrpc/account', host: 'pds.example.com', body: { handle: 'alice.example.com', password: 'owner-secret-pw', inviteCode: 'inv-123' } },
    ]);
    expect(done).toEqual(['invite', 'account']);
    expect(progress.filter((p) => p.kind === 'step').map((p) => (p.kind === 'step' ? `${p.step}:${p.state}` : ''))).toEqual([
      'setup:invite:start',
      'setup:invite:done',
      'setup:account:start',
      'setup:account:done',
    ]);
  });

  it('skips admin steps on request and steps already done', async () => {
    seen.length = 0;
    await runHttpSteps([invite, account], { port, host: 'h' }, { secretValues: [], skipAdmin: true });
    await runHttpSteps([invite], { port, host: 'h' }, { secretValues: [], skip: new Set(['invite']) });
    expect(seen).toEqual([]);
  });

  it('fails with TASK_FAILED naming the step and status, with secrets redacted, and stops there', async () => {
    seen.length = 0;
    answers.set('/xrpc/invite', [401, JSON.stringify({ error: 'AuthRequired', message: 'bad password very-secret-pw' })]);
    const err = await runHttpSteps([invite, account], { port, host: 'h' }, { secretValues: ['very-secret-pw'] }).catch((e: unknown) => e);
    expect(isEngawaError(err, 'TASK_FAILED')).toBe(true);
    const message = (err as Error).message;
    expect(message).toContain('"invite"');
    expect(message).toContain('HTTP 401');
    expect(message).not.toContain('very-secret-pw');
    expect(seen.map((s) => s.path)).toEqual(['/xrpc/invite']);
  });

  it('fails clearly when an earlier answer lacks the field a later step needs', async () => {
    answers.set('/xrpc/invite', [200, '{}']);
    const err = await runHttpSteps([invite, account], { port, host: 'h' }, { secretValues: [] }).catch((e: unknown) => e);
    expect(isEngawaError(err, 'TASK_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/needs "code" from "invite"/);
  });

  it('fails with TASK_FAILED when nothing listens', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await runHttpSteps([invite], { port: freePort, host: 'h' }, { secretValues: [] }).catch((e: unknown) => e);
    expect(isEngawaError(err, 'TASK_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/could not reach/);
  });
});

describe('resuming after a step whose answer a later step needs', () => {
  it('names the fields to keep, and a resumed run uses the kept answer without repeating the step', async () => {
    expect(neededAnswers([invite, account], invite, { code: 'inv-9', other: 'x' })).toEqual({ code: 'inv-9' });
    expect(neededAnswers([invite, account], account, { did: 'did:plc:x' })).toEqual({});
    seen.length = 0;
    answers.set('/xrpc/account', [200, '{}']);
    await runHttpSteps(
      [invite, account],
      { port, host: 'h' },
      {
        secretValues: [],
        skip: new Set(['invite']),
        answers: new Map([['invite', { code: 'inv-9' }]]),
      },
    );
    expect(seen.map((x) => [x.path, (x.body as { inviteCode?: string }).inviteCode])).toEqual([['/xrpc/account', 'inv-9']]);
  });
});

/** The renderer's pure parts: operation progress, the wizard's draft, errors to fields, passwords, step names. */
import { describe, expect, it } from 'vitest';
import type { ApiEvents, StackInfo } from '../../../electron/shared/contract';
import { ApiCallError } from '../../../renderer/src/api/client';
import { fieldOfError, toApiError } from '../../../renderer/src/lib/errors';
import { formatBytes } from '../../../renderer/src/lib/format';
import { generatePassword, PASSWORD_ALPHABET } from '../../../renderer/src/lib/password';
import { stepText } from '../../../renderer/src/lib/steps';
import { applyProgress, finishOp, runningOpOf } from '../../../renderer/src/store/ops';
import { createInput, emptyDraft, stepsFor, suggestName } from '../../../renderer/src/wizard/draft';

const progress = (p: ApiEvents['op.progress']['progress']): ApiEvents['op.progress'] => ({ opId: 'o', op: 'create', instance: 'home', progress: p });

const stack = (id: string, admin: StackInfo['admin']): StackInfo => ({
  id,
  name: id,
  version: '1',
  summary: { en: '', ja: '' },
  memoryMiB: 512,
  admin,
  settings: [],
  requires: [],
  testOnly: false,
});

describe('operation progress', () => {
  it('keeps steps in the order they began, updating each in place', () => {
    let op = applyProgress(undefined, progress({ kind: 'step', step: 'network', state: 'start' }));
    op = applyProgress(op, progress({ kind: 'step', step: 'volumes', state: 'start' }));
    op = applyProgress(op, progress({ kind: 'step', step: 'network', state: 'done', detail: 'created' }));
    expect(op.steps).toEqual([
      { step: 'network', state: 'done', detail: 'created' },
      { step: 'volumes', state: 'start' },
    ]);
    expect(op.status).toBe('running');
  });

  it('tracks downloads with bytes and marks one done when its image step ends', () => {
    let op = applyProgress(undefined, progress({ kind: 'pull', image: 'x/db:1', current: 10, total: 100, layersDone: 0, layers: 2, status: 'Downloading' }));
    op = applyProgress(op, progress({ kind: 'pull', image: 'x/db:1', current: 60, total: 100, layersDone: 1, layers: 2, status: 'Downloading' }));
    expect(op.pulls).toEqual([{ image: 'x/db:1', current: 60, total: 100, layersDone: 1, layers: 2, done: false }]);
    op = applyProgress(op, progress({ kind: 'step', step: 'image:x/db:1', state: 'done' }));
    expect(op.pulls[0]?.done).toBe(true);
  });

  it('records health per service, ignores log lines, and ends with the result or the error', () => {
    let op = applyProgress(undefined, progress({ kind: 'health', service: 'db', health: 'starting' }));
    op = applyProgress(op, progress({ kind: 'health', service: 'db', health: 'healthy' }));
    op = applyProgress(op, progress({ kind: 'log', line: 'noise' }));
    expect(op.health).toEqual({ db: 'healthy' });
    expect(finishOp(op, { opId: 'o', op: 'create', instance: 'home', result: { adminPassword: 'p' } })).toMatchObject({
      status: 'done',
      result: { adminPassword: 'p' },
    });
    const failed = finishOp(op, { opId: 'o', op: 'create', instance: 'home', error: { code: 'UNHEALTHY', message: 'db' } });
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'UNHEALTHY' } });
    expect(runningOpOf({ o: op }, 'home')).toBe(op);
    expect(runningOpOf({ o: failed }, 'home')).toBeUndefined();
  });
});

describe('the wizard draft', () => {
  it('skips the admin step for stacks without an admin account', () => {
    expect(stepsFor(stack('t', { kind: 'none' }))).not.toContain('admin');
    expect(stepsFor(stack('misskey', { kind: 'owner-account' }))).toContain('admin');
  });

  it('builds the create input: trimmed, admin e-mail defaulted, the password only where the wizard makes it', () => {
    const draft = { ...emptyDraft(), stack: 'misskey', name: ' notes ', domain: ' notes.example.com ', adminUser: 'hanako', adminPassword: 'abcdefgh-1' };
    expect(createInput(draft, stack('misskey', { kind: 'owner-account' }))).toEqual({
      stack: 'misskey',
      name: 'notes',
      domain: 'notes.example.com',
      admin: { user: 'hanako', email: 'hanako@notes.example.com', password: 'abcdefgh-1' },
    });
    // Mastodon makes its own password: none is sent even if one is in the draft
    expect(createInput({ ...draft, adminUser: '' }, stack('mastodon', { kind: 'owner-account', defaultUser: 'owner' })).admin).toEqual({
      user: 'owner',
      email: 'owner@notes.example.com',
    });
    expect(createInput(draft, stack('t', { kind: 'none' }))).not.toHaveProperty('admin');
  });

  it('suggests a free name', () => {
    const taken = (names: string[]) => names.map((name) => ({ name }) as never);
    expect(suggestName('misskey', [])).toBe('misskey');
    expect(suggestName('misskey', taken(['misskey', 'misskey-2']))).toBe('misskey-3');
    expect(suggestName('Test_Web', [])).toBe('test-web');
  });
});

describe('errors', () => {
  it('points an error of create at the field it is about', () => {
    expect(fieldOfError({ code: 'INVALID_INPUT', message: '', details: { domain: 'https://x' } })).toBe('domain');
    expect(fieldOfError({ code: 'INVALID_INPUT', message: '', details: { name: 'X' } })).toBe('name');
    expect(fieldOfError({ code: 'NAME_TAKEN', message: '' })).toBe('name');
    expect(fieldOfError({ code: 'INVALID_INPUT', message: '', details: { path: 'admin.email' } })).toBe('adminEmail');
    expect(fieldOfError({ code: 'INVALID_INPUT', message: '', details: { setting: 'admin_user' } })).toBe('adminUser');
    expect(fieldOfError({ code: 'INVALID_INPUT', message: 'The admin password must be …' })).toBe('adminPassword');
    expect(fieldOfError({ code: 'ENGINE_UNREACHABLE', message: '', details: { domain: 'x' } })).toBeNull();
  });

  it('turns anything thrown into an ApiError', () => {
    expect(toApiError(new ApiCallError('BUSY', 'busy', { op: 'stop' }))).toEqual({ code: 'BUSY', message: 'busy', details: { op: 'stop' } });
    expect(toApiError(new Error('boom'))).toEqual({ code: 'INTERNAL', message: 'boom' });
  });
});

describe('generatePassword', () => {
  it('makes four groups of five characters from the unambiguous alphabet', () => {
    const pw = generatePassword();
    expect(pw).toMatch(/^[^-]{5}(-[^-]{5}){3}$/);
    for (const c of pw.replace(/-/g, '')) expect(PASSWORD_ALPHABET).toContain(c);
    expect(generatePassword()).not.toBe(pw);
  });

  it('skips bytes that would bias the choice', () => {
    const n = PASSWORD_ALPHABET.length;
    const limit = 256 - (256 % n);
    let call = 0;
    // first batch: only rejected bytes; then the byte 0 → the first letter
    const pw = generatePassword((len) => new Uint8Array(len).fill(call++ === 0 ? limit : 0));
    expect(pw).toBe(Array(4).fill(PASSWORD_ALPHABET[0]!.repeat(5)).join('-'));
  });
});

describe('step names and sizes', () => {
  it('names the core steps it knows and passes the others through', () => {
    expect(stepText('image:local/redis:7')).toEqual({ key: 'progress.step.image', values: { name: 'local/redis:7' } });
    expect(stepText('health')).toEqual({ key: 'progress.step.health', values: {} });
    expect(stepText('tunnel:route')).toEqual({ raw: 'tunnel:route' });
    expect(stepText('Check the backup file')).toEqual({ key: 'progress.step.backup.checkFile', values: {} });
    expect(stepText('toString')).toEqual({ raw: 'toString' });
  });

  it('formats bytes in binary units', () => {
    expect(formatBytes(512, 'en')).toBe('512 B');
    expect(formatBytes(1536, 'en')).toBe('1.5 KB');
    expect(formatBytes(2 * 1024 ** 3, 'en')).toBe('2 GB');
  });
});

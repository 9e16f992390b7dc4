/**
 * Watch thresholds that make no sense are refused with the allowed range, and change nothing:
 * validateTiming itself, `engawa watch` with a bad ENGAWA_WATCH_TIMING (no lock taken, Docker never
 * asked), and the core's watch API with bad WatchOptions.timing.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWatchApi } from '../../../electron/core/api/watch';
import type { EventBus } from '../../../electron/core/api/events';
import type { Services } from '../../../electron/core/api/wiring';
import { runCli } from '../../../electron/core/cli/run';
import { validateTiming } from '../../../electron/core/watch';
import { FakeEngine } from '../instances/fake-engine';

describe('validateTiming', () => {
  it('accepts sensible fields and leaves out what is not given', () => {
    expect(validateTiming(undefined)).toEqual({});
    expect(validateTiming({ backoffMs: 1000, maxBackoffMs: 2000, cap: 3, recheckGraceMs: 0 })).toEqual({
      backoffMs: 1000,
      maxBackoffMs: 2000,
      cap: 3,
      recheckGraceMs: 0,
    });
  });

  it.each([
    [{ backoffMs: -1 }, /backoffMs is -1 \(allowed: backoffMs from 100 to 86400000 ms\)/],
    [{ cap: 0 }, /cap is 0 \(allowed: cap a whole number from 1 to 100 restarts\)/],
    [{ cap: 2.5 }, /cap is 2.5 \(allowed: cap a whole number from 1 to 100/],
    [{ backoffMs: 5000, maxBackoffMs: 2000 }, /backoffMs 5000 is more than maxBackoffMs 2000 \(allowed: backoffMs at most maxBackoffMs\)/],
    [{ backoffMs: 20 * 60_000 }, /backoffMs 1200000 is more than maxBackoffMs 900000/], // the default maximum counts
    [{ windowMs: '1h' }, /windowMs is "1h", not a number \(allowed: windowMs from 1000 to 604800000 ms\)/],
    [{ engineRetryMs: null }, /engineRetryMs is null, not a number/],
    [{ engineRetryMs: Number.NaN }, /engineRetryMs is NaN, not a number/],
    [{ defaultGraceS: 0 }, /defaultGraceS is 0 \(allowed: defaultGraceS from 1 to 86400 s\)/],
    [{ backof: 100 }, /unknown field "backof" \(allowed: the fields defaultGraceS, backoffMs/],
    [[1, 2], /it must be an object/],
    ['fast', /it must be an object/],
  ])('refuses %j with the allowed range', (value, message) => {
    expect(() => validateTiming(value)).toThrow(message);
    try {
      validateTiming(value);
    } catch (e) {
      expect(e).toMatchObject({ code: 'INVALID_INPUT' });
    }
  });
});

describe('refusing bad timing changes nothing', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'engawa-watch-timing-'));
  });
  afterEach(async () => rm(home, { recursive: true, force: true }));

  it('`engawa watch` with a nonsensical ENGAWA_WATCH_TIMING exits 1 naming the range, takes no lock and never asks Docker', async () => {
    const engine = new FakeEngine();
    let asked = 0;
    for (const timing of ['{"cap":0}', '{"backoffMs":5000,"maxBackoffMs":1000}', '{"engineRetryMs":"soon"}', 'not json']) {
      let err = '';
      const code = await runCli(['watch', '--home', home], {
        stdout: () => {},
        stderr: (s) => (err += s),
        env: { ENGAWA_WATCH_TIMING: timing },
        engine: async () => (asked++, engine),
      });
      expect(code).toBe(1);
      expect(err).toMatch(timing === 'not json' ? /ENGAWA_WATCH_TIMING must be a JSON object/ : /The watch timing is not valid: .*\(allowed: /);
    }
    expect(asked).toBe(0);
    expect(engine.subscribers).toBe(0);
    expect(await readdir(home)).toEqual([]);
  });

  it("the core's watch API refuses bad WatchOptions.timing before taking the lock", async () => {
    const services = { home } as unknown as Services;
    const bus = { emit: () => {} } as unknown as EventBus;
    const api = createWatchApi(services, bus, { by: 'the Engawa app', timing: { backoffMs: -5 } }, () => {});
    await expect(api.start()).rejects.toThrow(/backoffMs is -5 \(allowed: backoffMs from 100/);
    expect(await readdir(home)).toEqual([]);
    await api.stop();
  });
});

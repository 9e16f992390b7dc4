import type Dockerode from 'dockerode';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { waitReady, type HealthTarget } from '../../../electron/core/engine/health';
import {
  PROBE_FIRST_MS,
  PROBE_MAX_MS,
  probeCommand,
  ProbedReady,
  StartProbe,
  STATUS_PROBE_MAX_MS,
  type ProbedContainer,
} from '../../../electron/core/engine/start-probe';
import type { ServiceStatus } from '../../../electron/core/engine/types';
import { isEngawaError } from '../../../electron/core/util/errors';
import type { Progress } from '../../../electron/core/util/progress';

describe('probeCommand', () => {
  it('runs a CMD-SHELL test in /bin/sh and a CMD test as it is, as Docker does; NONE and empty forms not at all', () => {
    expect(probeCommand(['CMD-SHELL', 'pg_isready -U app'])).toEqual(['/bin/sh', '-c', 'pg_isready -U app']);
    expect(probeCommand(['CMD', 'redis-cli', 'ping'])).toEqual(['redis-cli', 'ping']);
    expect(probeCommand(['NONE'])).toBeUndefined();
    expect(probeCommand(['CMD'])).toBeUndefined();
    expect(probeCommand([])).toBeUndefined();
  });
});

describe('StartProbe', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());
  const check = { intervalMs: 10_000, timeoutMs: 5000 };

  it('runs first after PROBE_FIRST_MS, one run at a time, and passes on exit code 0', async () => {
    let finish: ((code: number) => void) | undefined;
    const run = vi.fn((_cmd: string[]) => new Promise<number>((resolve) => (finish = resolve)));
    const probe = new StartProbe(['true'], check, run);
    probe.poll();
    expect(run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(PROBE_FIRST_MS);
    probe.poll();
    probe.poll();
    expect(run).toHaveBeenCalledTimes(1);
    expect(run).toHaveBeenCalledWith(['true']);
    expect(probe.passed).toBe(false);
    finish?.(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(probe.passed).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    probe.poll();
    expect(run).toHaveBeenCalledTimes(1); // passed: no more runs
  });

  it('after a failure waits longer each time, up to PROBE_MAX_MS, and never longer than the check interval', async () => {
    const times: number[] = [];
    const run = vi.fn(() => {
      times.push(Date.now());
      return Promise.resolve(1);
    });
    const probe = new StartProbe(['false'], check, run);
    const start = Date.now();
    for (let t = 0; t < 12_000; t += 10) {
      probe.poll();
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(probe.passed).toBe(false);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(times[0] as number).toBeGreaterThanOrEqual(start + PROBE_FIRST_MS);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i] as number).toBeGreaterThanOrEqual(gaps[i - 1] as number);
    expect(gaps.at(-1)).toBeGreaterThanOrEqual(PROBE_MAX_MS);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(PROBE_MAX_MS + 20);

    const fast = vi.fn(() => Promise.resolve(1));
    const tight = new StartProbe(['false'], { intervalMs: 300, timeoutMs: 100 }, fast);
    const at: number[] = [];
    for (let t = 0; t < 5000; t += 10) {
      const before = fast.mock.calls.length;
      tight.poll();
      if (fast.mock.calls.length > before) at.push(Date.now());
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(Math.max(...at.slice(1).map((t, i) => t - (at[i] as number)))).toBeLessThanOrEqual(300 + 20);
  });

  it('counts a run that outlasts the timeout, or cannot run, as failed, and tries again', async () => {
    const run = vi
      .fn<(cmd: string[]) => Promise<number>>()
      .mockReturnValueOnce(new Promise<number>(() => undefined))
      .mockRejectedValueOnce(new Error('gone'))
      .mockResolvedValue(0);
    const probe = new StartProbe(['x'], { intervalMs: 10_000, timeoutMs: 500 }, run);
    for (let t = 0; t < 3000 && !probe.passed; t += 10) {
      probe.poll();
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(run).toHaveBeenCalledTimes(3);
    expect(probe.passed).toBe(true);
  });
});

describe('waitReady with start probes', () => {
  type State = { Status: string; Running: boolean; StartedAt: string; Health?: { Status: string } };
  /** A docker whose only container reports `state()` on each inspect. */
  const fakeDocker = (state: () => State) =>
    ({ getContainer: () => ({ inspect: () => Promise.resolve({ State: state(), RestartCount: 0 }) }) }) as unknown as Dockerode;
  const target: HealthTarget = {
    service: 'db',
    containerId: 'c1',
    hasHealthcheck: true,
    healthcheck: { test: ['CMD-SHELL', 'pg_isready'], intervalMs: 10_000, timeoutMs: 5000 },
  };
  const starting: State = { Status: 'running', Running: true, StartedAt: 's1', Health: { Status: 'starting' } };

  it('ends when the service’s own check passes while Docker still says starting, and reports it healthy', async () => {
    const events: Progress[] = [];
    const ran: string[][] = [];
    await waitReady(
      fakeDocker(() => starting),
      [target],
      {
        timeoutMs: 10_000,
        onProgress: (e) => events.push(e),
        probeRunner: (t) => (cmd) => {
          expect(t.containerId).toBe('c1');
          ran.push(cmd);
          return Promise.resolve(ran.length >= 2 ? 0 : 1);
        },
      },
    );
    expect(ran).toEqual([
      ['/bin/sh', '-c', 'pg_isready'],
      ['/bin/sh', '-c', 'pg_isready'],
    ]);
    expect(events.filter((e) => e.kind === 'health').map((e) => (e as { health: string }).health)).toEqual(['starting', 'healthy']);
  });

  it('does not end on a check that keeps failing: Docker decides (here: a timeout)', async () => {
    let runs = 0;
    const err = await waitReady(
      fakeDocker(() => starting),
      [target],
      {
        timeoutMs: 800,
        probeRunner: () => () => Promise.resolve(++runs && 1),
      },
    ).catch((e: unknown) => e);
    expect(isEngawaError(err, 'UNHEALTHY')).toBe(true);
    expect(runs).toBeGreaterThan(0);
  });

  it('forgets a pass from before the container restarted', async () => {
    let runs = 0;
    // the first start's probe passes, but the container has restarted by the next look; the second start's check never passes
    const state = (): State => ({ ...starting, StartedAt: runs > 0 ? 's2' : 's1' });
    const err = await waitReady(fakeDocker(state), [target], {
      timeoutMs: 1500,
      probeRunner: () => () => Promise.resolve(++runs === 1 ? 0 : 1),
    }).catch((e: unknown) => e);
    expect(runs).toBeGreaterThan(1);
    expect(isEngawaError(err, 'UNHEALTHY')).toBe(true);
  });

  it('runs no probe for a service without a check, or one Docker already calls healthy', async () => {
    const probeRunner = vi.fn(() => () => Promise.resolve(0));
    const running: State = { Status: 'running', Running: true, StartedAt: 's1' };
    await waitReady(
      fakeDocker(() => running),
      [{ service: 'web', containerId: 'c1', hasHealthcheck: false }],
      { probeRunner },
    );
    await waitReady(
      fakeDocker(() => ({ ...starting, Health: { Status: 'healthy' } })),
      [target],
      { probeRunner },
    );
    expect(probeRunner).not.toHaveBeenCalled();
  });
});

describe('ProbedReady', () => {
  const status = (health: ServiceStatus['health'], containerId = 'c1'): ServiceStatus => ({ name: 'db', containerId, state: 'running', health, ports: {} });
  const info = (startedAt: string, over: Partial<ProbedContainer> = {}): ProbedContainer => ({
    Id: 'c1',
    State: { Running: true, StartedAt: startedAt },
    Config: { Healthcheck: { Test: ['CMD-SHELL', 'pg_isready'], Timeout: 5e9 } },
    ...over,
  });

  it('shows a start the wait found ready as healthy while Docker says starting, without running anything; Docker’s verdict wins and ends it', async () => {
    const ready = new ProbedReady();
    const run = vi.fn(() => Promise.resolve(1));
    ready.mark('c1', 's1');
    expect((await ready.view(status('starting'), info('s1'), run)).health).toBe('healthy');
    expect(run).not.toHaveBeenCalled();
    expect((await ready.view(status('starting'), info('s2'), run)).health).toBe('starting'); // started again: its check fails now
    expect(run).toHaveBeenCalledWith(['/bin/sh', '-c', 'pg_isready']);
    expect((await ready.view(status('unhealthy'), info('s1'), run)).health).toBe('unhealthy');
    expect((await ready.view(status('starting'), info('s1'), run)).health).toBe('starting'); // forgotten once Docker had its say
  });

  it('asks the check once for reads at the same time, keeps a pass for that start, asks again after a failure', async () => {
    const ready = new ProbedReady();
    const codes = [1, 0];
    const run = vi.fn(() => Promise.resolve(codes.shift() ?? 9));
    expect((await ready.view(status('starting'), info('s1'), run)).health).toBe('starting');
    const both = await Promise.all([ready.view(status('starting'), info('s1'), run), ready.view(status('starting'), info('s1'), run)]);
    expect(both.map((s) => s.health)).toEqual(['healthy', 'healthy']);
    expect((await ready.view(status('starting'), info('s1'), run)).health).toBe('healthy');
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('gives up on a check that hangs after at most STATUS_PROBE_MAX_MS, and never asks a stopped container or one without a check', async () => {
    vi.useFakeTimers();
    try {
      const ready = new ProbedReady();
      const hang = vi.fn(() => new Promise<number>(() => undefined));
      const read = ready.view(status('starting'), info('s1', { Config: { Healthcheck: { Test: ['CMD', 'sleep', '60'], Timeout: 30e9 } } }), hang);
      await vi.advanceTimersByTimeAsync(STATUS_PROBE_MAX_MS);
      expect((await read).health).toBe('starting');
      const never = vi.fn(() => Promise.resolve(0));
      expect((await ready.view(status('starting'), info('s1', { State: { Running: false, StartedAt: 's1' } }), never)).health).toBe('starting');
      expect((await ready.view(status('starting'), info('s1', { Config: { Healthcheck: { Test: ['NONE'] } } }), never)).health).toBe('starting');
      // a check with Docker's default timeout (0) is still asked
      expect((await ready.view(status('starting'), info('s3', { Config: { Healthcheck: { Test: ['CMD', 'true'], Timeout: 0 } } }), never)).health).toBe(
        'healthy',
      );
      expect(never).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

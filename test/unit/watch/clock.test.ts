/**
 * The engine's clock against this computer's (core/watch/clock.ts) over the in-memory engine: the
 * 30 s threshold, the fix that fits the engine (Docker Desktop: set its VM's clock; Linux: NTP),
 * the midpoint of the host's time around the helper's run, and the fix only when asked.
 */
import { describe, expect, it } from 'vitest';
import { CLOCK_SKEW_LIMIT_MS, clockFlavor, clockVerdict, fixEngineClock, measureClock } from '../../../electron/core/watch/index';
import { parseClockOutput } from '../../../electron/core/engine/vm-clock';
import { FakeEngine } from '../instances/fake-engine';

function engineOn(os: 'Docker Desktop' | 'Ubuntu 24.04.1 LTS', offsetMs: number): FakeEngine {
  const engine = new FakeEngine();
  engine.os = os;
  engine.clockOffsetMs = offsetMs;
  return engine;
}

describe('measureClock', () => {
  it('5 minutes off on Docker Desktop: not ok, the fix is setting its clock', async () => {
    const m = await measureClock(engineOn('Docker Desktop', 5 * 60_000));
    expect(m).toMatchObject({ flavor: 'desktop', ok: false, fix: 'engine-clock' });
    expect(m?.skewMs).toBeGreaterThan(5 * 60_000 - 1000);
    expect(m?.skewMs).toBeLessThan(5 * 60_000 + 1000);
  });

  it('5 minutes behind on a Linux engine: not ok, the advice is NTP', async () => {
    const m = await measureClock(engineOn('Ubuntu 24.04.1 LTS', -5 * 60_000));
    expect(m).toMatchObject({ flavor: 'linux', ok: false, fix: 'ntp' });
    expect(m?.skewMs).toBeLessThan(-5 * 60_000 + 1000);
  });

  it('20 s off is ok, on either engine', async () => {
    expect(await measureClock(engineOn('Docker Desktop', 20_000))).toMatchObject({ ok: true, fix: null });
    expect(await measureClock(engineOn('Ubuntu 24.04.1 LTS', -20_000))).toMatchObject({ ok: true, fix: null });
    expect(CLOCK_SKEW_LIMIT_MS).toBe(30_000);
  });

  it('compares with the midpoint of the host time before and after the helper ran', async () => {
    const engine = engineOn('Docker Desktop', 0);
    engine.readClock = async () => 1_000_000 + 40_000; // the helper says 1 040 000
    const times = [1_000_000, 1_010_000]; // before, after: the helper took 10 s, midpoint 1 005 000
    const m = await measureClock(engine, () => times.shift() ?? 0);
    expect(m).toMatchObject({ hostTime: 1_005_000, engineTime: 1_040_000, skewMs: 35_000, ok: false });
    expect(clockVerdict(1_040_000, 1_000_000, 1_020_000, 'linux')).toMatchObject({ skewMs: 30_000, ok: true });
    expect(clockVerdict(969_999, 1_000_000, 1_000_000, 'linux')).toMatchObject({ skewMs: -30_001, ok: false, fix: 'ntp' });
  });

  it('is unknown when the helper cannot run, and never sets the clock', async () => {
    const engine = engineOn('Docker Desktop', 5 * 60_000);
    expect(await measureClock(engine)).toMatchObject({ ok: false });
    expect(engine.clockSets).toEqual([]);
    engine.clockOffsetMs = undefined;
    expect(await measureClock(engine)).toBeUndefined();
  });
});

describe('fixEngineClock', () => {
  it("sets the engine's clock to this computer's seconds; measured again, it is ok", async () => {
    const engine = engineOn('Docker Desktop', 5 * 60_000);
    expect(await fixEngineClock(engine, () => 1_700_000_000_400)).toBe(true);
    expect(engine.clockSets).toEqual([1_700_000_000]);
    expect(await fixEngineClock(engine)).toBe(true);
    expect(await measureClock(engine)).toMatchObject({ ok: true, fix: null });
  });
});

describe('the engine flavor and the helper output', () => {
  it('tells Docker Desktop from a Linux engine', () => {
    expect(clockFlavor({ os: 'Docker Desktop', source: 'DOCKER_HOST' })).toBe('desktop');
    expect(clockFlavor({ os: 'unknown', source: 'docker-desktop' })).toBe('desktop');
    expect(clockFlavor({ os: 'Debian GNU/Linux 12 (bookworm)', source: 'default' })).toBe('linux');
  });

  it('reads date +%s.%N, with or without nanoseconds', () => {
    expect(parseClockOutput('1700000000.250000000\n')).toBe(1_700_000_000_250);
    expect(parseClockOutput('1700000000.%N\n')).toBe(1_700_000_000_500); // busybox without nanoseconds: the middle of the second
    expect(parseClockOutput('date: invalid\n')).toBeUndefined();
  });
});

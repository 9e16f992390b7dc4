/** Docker at login: started when it does not answer, waited for with a back-off, a few minutes at most (a fake clock). */
import { describe, expect, it } from 'vitest';
import { DOCKER_WAIT_MAX_MS, waitForDocker } from '../../../electron/core/engine/wait-for-docker';

function fakeMachine(answersAfterMs: number | null, started = true) {
  let now = 0;
  const calls: string[] = [];
  return {
    calls,
    deps: {
      answers: async () => (calls.push(`ask@${now}`), answersAfterMs !== null && now >= answersAfterMs && calls.includes('start')),
      start: async () => (calls.push('start'), { started, how: started ? 'Docker Desktop is starting.' : 'Docker Desktop is not installed.' }),
      sleep: async (ms: number) => void (now += ms),
      now: () => now,
      onWaiting: () => calls.push('waiting'),
    },
  };
}

describe('waitForDocker', () => {
  it('does nothing when Docker answers already', async () => {
    const m = fakeMachine(0);
    m.deps.answers = async () => (m.calls.push('ask'), true);
    expect(await waitForDocker(m.deps)).toEqual({ kind: 'answering' });
    expect(m.calls).toEqual(['ask']);
  });

  it('starts Docker, says it waits, and asks again after 1, 2, 4, 8 s … until it answers', async () => {
    const m = fakeMachine(14_000);
    expect(await waitForDocker(m.deps)).toEqual({ kind: 'started', waitedMs: 15_000 });
    expect(m.calls).toEqual(['ask@0', 'start', 'waiting', 'ask@1000', 'ask@3000', 'ask@7000', 'ask@15000']);
  });

  it('gives up after a few minutes at most, asking at most every 30 s', async () => {
    const m = fakeMachine(null);
    expect(await waitForDocker(m.deps)).toEqual({ kind: 'timed-out', waitedMs: DOCKER_WAIT_MAX_MS });
    const times = m.calls.filter((c) => c.startsWith('ask@')).map((c) => Number(c.slice(4)));
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(Math.max(...gaps)).toBe(30_000);
    expect(times.at(-1)).toBe(DOCKER_WAIT_MAX_MS);
  });

  it('says so at once when Docker cannot be started here, without waiting', async () => {
    const m = fakeMachine(null, false);
    expect(await waitForDocker(m.deps)).toEqual({ kind: 'not-started', how: 'Docker Desktop is not installed.' });
    expect(m.calls).toEqual(['ask@0', 'start']);
  });
});

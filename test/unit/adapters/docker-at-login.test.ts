/**
 * Docker at login in the desktop app: started when it does not answer, the tray waiting meanwhile,
 * then the core's re-check ("Docker started"); told plainly when it cannot be started or never comes.
 */
import { describe, expect, it } from 'vitest';
import { dockerAtLogin, DOCKER_STARTED_REASON, type DockerAtLoginDeps } from '../../../electron/adapters/docker-at-login';
import type { DesktopNotification } from '../../../electron/core/tray/notify';

function setUp(answersAt: number | null, started = true) {
  let now = 0;
  const seen: string[] = [];
  const notes: DesktopNotification[] = [];
  const deps: DockerAtLoginDeps = {
    answers: async () => answersAt !== null && now >= answersAt,
    start: async () => (seen.push('start'), { started, how: started ? 'Docker Desktop is starting.' : 'Docker Desktop is not installed.' }),
    desktop: {
      dockerState: (s) => seen.push(`tray ${s}`),
      notify: (n) => void (n !== null && notes.push(n)),
      t: () => (key, vars) => `${key}${vars ? ` ${JSON.stringify(vars)}` : ''}`,
    },
    recheck: async (reason) => void seen.push(`recheck ${reason}`),
    log: () => {},
    sleep: async (ms) => void (now += ms),
    now: () => now,
  };
  return { deps, seen, notes };
}

describe('dockerAtLogin', () => {
  it('does nothing when Docker answers at once', async () => {
    const s = setUp(0);
    expect(await dockerAtLogin(s.deps)).toEqual({ kind: 'answering' });
    expect(s.seen).toEqual([]);
  });

  it('starts Docker, shows the tray waiting, then re-checks the servers once Docker answers', async () => {
    const s = setUp(20_000);
    expect(await dockerAtLogin(s.deps)).toMatchObject({ kind: 'started' });
    expect(s.seen).toEqual(['start', 'tray waiting', 'tray null', `recheck ${DOCKER_STARTED_REASON}`]);
    expect(s.notes).toEqual([]);
  });

  it('says plainly when Docker did not come within a few minutes', async () => {
    const s = setUp(null);
    expect(await dockerAtLogin(s.deps)).toMatchObject({ kind: 'timed-out' });
    expect(s.seen).toEqual(['start', 'tray waiting', 'tray failed']);
    expect(s.notes).toEqual([{ title: 'notify.dockerFailed.title', body: 'notify.dockerFailed.body {"minutes":4}' }]);
  });

  it('says why when Docker cannot be started here', async () => {
    const s = setUp(null, false);
    expect(await dockerAtLogin(s.deps)).toMatchObject({ kind: 'not-started' });
    expect(s.seen).toEqual(['start', 'tray failed']);
    expect(s.notes[0]?.body).toBe('notify.dockerNotStarted.body {"how":"Docker Desktop is not installed."}');
  });
});

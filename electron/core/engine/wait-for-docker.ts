/**
 * Docker at login: when Engawa starts with the user's session, Docker Desktop may not be running
 * yet — it starts only after someone signs in, and only when its own "start when you sign in" is on
 * (docker/for-win#6670). This starts it (engine/start-docker.ts) when it does not answer and waits
 * for it with a back-off (1 s, 2 s, 4 s … at most 30 s apart), a few minutes at most, so the
 * caller can say plainly that it did not come. Pure over what it is given: tests run it with a fake
 * clock and engine.
 */
import type { DockerStartResult } from '../../shared/contract';

/** The pauses between two questions to Docker; the last one repeats. */
export const DOCKER_WAIT_BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 30_000] as const;
/** How long Engawa waits for Docker it started before it says it did not come. */
export const DOCKER_WAIT_MAX_MS = 4 * 60_000;

export interface WaitForDockerDeps {
  /** true when the engine answers now (never throws) */
  answers: () => Promise<boolean>;
  /** starts Docker Desktop the way this OS does */
  start: () => Promise<DockerStartResult>;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** told once Docker was launched and the wait begins */
  onWaiting?: () => void;
  log?: (line: string) => void;
  maxWaitMs?: number;
}

/** How it ended: Docker already answered, answered after the start, could not be started, or never answered. */
export type DockerWaitOutcome =
  { kind: 'answering' } | { kind: 'started'; waitedMs: number } | { kind: 'not-started'; how: string } | { kind: 'timed-out'; waitedMs: number };

export async function waitForDocker(deps: WaitForDockerDeps): Promise<DockerWaitOutcome> {
  const log = deps.log ?? (() => {});
  if (await deps.answers()) return { kind: 'answering' };
  const started = await deps.start();
  if (!started.started) {
    log(`Docker does not answer and Engawa cannot start it: ${started.how}`);
    return { kind: 'not-started', how: started.how };
  }
  log(`Docker did not answer: ${started.how} Waiting for it.`);
  deps.onWaiting?.();
  const maxWait = deps.maxWaitMs ?? DOCKER_WAIT_MAX_MS;
  const since = deps.now();
  for (let attempt = 0; ; attempt++) {
    const waited = deps.now() - since;
    if (waited >= maxWait) {
      log(`Docker still does not answer after ${Math.round(waited / 1000)} s: giving up waiting`);
      return { kind: 'timed-out', waitedMs: waited };
    }
    const pause = DOCKER_WAIT_BACKOFF_MS[Math.min(attempt, DOCKER_WAIT_BACKOFF_MS.length - 1)] as number;
    await deps.sleep(Math.min(pause, maxWait - waited));
    if (await deps.answers()) {
      const after = deps.now() - since;
      log(`Docker answers after ${Math.round(after / 1000)} s`);
      return { kind: 'started', waitedMs: after };
    }
  }
}

/**
 * Docker at login, for the desktop app: when Engawa was started with the user's session (its login
 * item, `startedHidden`) and Docker does not answer, it starts Docker Desktop and waits for it
 * (core/engine/wait-for-docker.ts) while the tray says "waiting for Docker…"; once Docker answers
 * the core re-checks every server ("Docker started"). When Docker cannot be started or does not
 * come within a few minutes, the tray and a notification say so plainly.
 */
import { waitForDocker, type DockerWaitOutcome, type WaitForDockerDeps } from '../core/engine/wait-for-docker';
import type { Desktop } from './tray-and-notifications';

/** The reason the core's re-check is logged with. */
export const DOCKER_STARTED_REASON = 'Docker started';

export interface DockerAtLoginDeps extends Pick<WaitForDockerDeps, 'answers' | 'start' | 'maxWaitMs'> {
  desktop: Pick<Desktop, 'dockerState' | 'notify' | 't'>;
  recheck: (reason: string) => Promise<void>;
  log: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const realSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref?.();
  });

/** Runs the whole flow; never rejects (what went wrong is logged and told). */
export async function dockerAtLogin(deps: DockerAtLoginDeps): Promise<DockerWaitOutcome | undefined> {
  const { desktop, log } = deps;
  try {
    const outcome = await waitForDocker({
      answers: deps.answers,
      start: deps.start,
      sleep: deps.sleep ?? realSleep,
      now: deps.now ?? Date.now,
      log: (line) => log(`at login: ${line}`),
      onWaiting: () => desktop.dockerState('waiting'),
      ...(deps.maxWaitMs !== undefined && { maxWaitMs: deps.maxWaitMs }),
    });
    const t = desktop.t();
    switch (outcome.kind) {
      case 'answering':
        break;
      case 'started':
        desktop.dockerState(null);
        await deps.recheck(DOCKER_STARTED_REASON);
        break;
      case 'not-started':
        desktop.dockerState('failed');
        desktop.notify({ title: t('notify.dockerNotStarted.title'), body: t('notify.dockerNotStarted.body', { how: outcome.how }) });
        break;
      case 'timed-out':
        desktop.dockerState('failed');
        desktop.notify({
          title: t('notify.dockerFailed.title'),
          body: t('notify.dockerFailed.body', { minutes: Math.max(1, Math.round(outcome.waitedMs / 60_000)) }),
        });
        break;
    }
    return outcome;
  } catch (e) {
    log(`at login: waiting for Docker failed: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

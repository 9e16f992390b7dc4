/**
 * Engawa's own run of a service's health check while Docker still says `starting`.
 *
 * Docker runs a container's first health check only once the check's interval has passed (10 s in
 * the real recipes; Docker 25's `start_interval` is not on every engine Engawa meets), so a start
 * would wait for that clock rather than for the service, once per level of dependencies: a
 * Mastodon start, a restore's switch or an update's downtime would each be tens of seconds longer
 * than the services need. While a wait is on, the same test Docker runs is run in the container
 * (`exec`, as Docker does it: the container's user and environment), first after PROBE_FIRST_MS,
 * then less often (up to PROBE_MAX_MS, never slower than Docker's own interval), one run at a time,
 * each given the check's timeout. A run that exits 0 makes the service ready for the wait, as
 * Docker's first passing check makes it healthy; a failing run means nothing (Docker's retries
 * decide when a service is unhealthy). Docker's own status stays what Docker says.
 */
import type Dockerode from 'dockerode';
import { execIn } from './exec';
import type { HealthcheckSpec } from '../plan/types';
import type { ServiceStatus } from './types';

export const PROBE_FIRST_MS = 100;
export const PROBE_MAX_MS = 1000;
const PROBE_GROWTH = 1.5;

/** Docker's health `Test` as the command `exec` runs: `CMD-SHELL x` → `/bin/sh -c x`, `CMD a b` → `a b`; none for `NONE`. */
export function probeCommand(test: readonly string[]): string[] | undefined {
  const [form, ...rest] = test;
  if (form === 'CMD-SHELL' && rest.length > 0) return ['/bin/sh', '-c', rest.join(' ')];
  if (form === 'CMD' && rest.length > 0) return rest;
  return undefined;
}

/** Runs a command in the container; resolves with its exit code (rejects when it could not run). */
export type ProbeRunner = (cmd: string[]) => Promise<number>;

export function execRunner(docker: Dockerode, containerId: string): ProbeRunner {
  return async (cmd) => (await execIn(docker.getContainer(containerId), cmd)).exitCode;
}

/** One service's probe during one wait; see the module comment. */
export class StartProbe {
  private passedOnce = false;
  private running = false;
  private delay = PROBE_FIRST_MS;
  private due: number;

  constructor(
    private readonly cmd: string[],
    private readonly check: Pick<HealthcheckSpec, 'intervalMs' | 'timeoutMs'>,
    private readonly run: ProbeRunner,
  ) {
    this.due = Date.now() + PROBE_FIRST_MS;
  }

  /** Whether a run has passed. */
  get passed(): boolean {
    return this.passedOnce;
  }

  /** Starts a run when one is due and none is on (it ends by itself; `passed` tells the outcome). */
  poll(): void {
    if (this.passedOnce || this.running || Date.now() < this.due) return;
    this.running = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // a run that outlasts the check's timeout counts as failed; it is left to end in the container
    const timedOut = new Promise<number>((resolve) => (timer = setTimeout(() => resolve(-1), this.check.timeoutMs)));
    const done = (code: number): void => {
      clearTimeout(timer);
      if (code === 0) this.passedOnce = true;
      this.delay = Math.min(this.delay * PROBE_GROWTH, PROBE_MAX_MS, Math.max(this.check.intervalMs, PROBE_FIRST_MS));
      this.due = Date.now() + this.delay;
      this.running = false;
    };
    // a run that could not start (the container went, the engine did not answer) failed: the wait's own inspect sees why
    Promise.race([this.run(this.cmd), timedOut]).then(done, () => done(-1));
  }
}

/**
 * The container starts a wait found ready by their own check, so that a status read before
 * Docker's own first check says what the wait said (`healthy`) rather than `starting`. Docker's
 * verdict, once it has one, is what counts (and the entry goes); a container started again is
 * `starting` again.
 */
export class ProbedReady {
  private readonly seen = new Map<string, string>();

  mark(containerId: string, startedAt: string): void {
    this.seen.set(containerId, startedAt);
  }

  /** `status` of the container start `startedAt`, with the wait's verdict while Docker's is still `starting`. */
  view(status: ServiceStatus, startedAt: string | undefined): ServiceStatus {
    const id = status.containerId;
    if (id === undefined) return status;
    if (status.health !== 'starting') {
      this.seen.delete(id);
      return status;
    }
    return startedAt !== undefined && this.seen.get(id) === startedAt ? { ...status, health: 'healthy' } : status;
  }
}

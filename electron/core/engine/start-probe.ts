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
 * decide when a service is unhealthy). Docker keeps its own record; Engawa's status reads say what
 * the check said until Docker has a verdict of its own (ProbedReady).
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
    // a run that outlasts the check's timeout, or could not start (the container went), failed: the wait's own inspect sees why
    const done = (passed: boolean): void => {
      if (passed) this.passedOnce = true;
      this.delay = Math.min(this.delay * PROBE_GROWTH, PROBE_MAX_MS, Math.max(this.check.intervalMs, PROBE_FIRST_MS));
      this.due = Date.now() + this.delay;
      this.running = false;
    };
    runOnce(this.run, this.cmd, this.check.timeoutMs).then(done, () => done(false));
  }
}

/** Longest a status read waits for one run of a check (a check that hangs must not hang the dashboard). */
export const STATUS_PROBE_MAX_MS = 2000;

/** What a status read knows of a container: its id, its start, its health check (Docker's inspect). */
export interface ProbedContainer {
  Id: string;
  State?: { Running?: boolean; StartedAt?: string };
  Config?: { Healthcheck?: { Test?: string[]; Timeout?: number } };
}

/**
 * The health of container starts Docker has not checked yet (`starting`), as their own check
 * says: a start the waits found ready (`mark`), or, read in another process (the CLI, `engawa
 * watch`), one run of the check when the status is read (`view`), at most STATUS_PROBE_MAX_MS,
 * shared by reads at the same time. A pass is kept for that start of the container; a failure is
 * not (the next read asks again), and Docker's own verdict, once it has one, is what counts.
 */
export class ProbedReady {
  private readonly seen = new Map<string, string>();
  private readonly asking = new Map<string, Promise<boolean>>();

  mark(containerId: string, startedAt: string): void {
    this.seen.set(containerId, startedAt);
  }

  /** `status` of the container `info`, with its check's answer while Docker's is still `starting`. */
  async view(status: ServiceStatus, info: ProbedContainer, run: ProbeRunner): Promise<ServiceStatus> {
    const startedAt = info.State?.StartedAt;
    if (status.health !== 'starting' || info.State?.Running !== true || startedAt === undefined) {
      this.seen.delete(info.Id);
      return status;
    }
    if (this.seen.get(info.Id) === startedAt) return { ...status, health: 'healthy' };
    const cmd = probeCommand(info.Config?.Healthcheck?.Test ?? []);
    if (cmd === undefined) return status;
    const key = `${info.Id}@${startedAt}`;
    let asking = this.asking.get(key);
    if (asking === undefined) {
      const timeout = info.Config?.Healthcheck?.Timeout ?? 0; // nanoseconds; 0: Docker's default (30 s)
      const timeoutMs = Math.min(STATUS_PROBE_MAX_MS, timeout > 0 ? timeout / 1e6 : Infinity);
      asking = runOnce(run, cmd, timeoutMs).finally(() => this.asking.delete(key));
      this.asking.set(key, asking);
    }
    if (!(await asking)) return status;
    this.mark(info.Id, startedAt);
    return { ...status, health: 'healthy' };
  }
}

/** One run of `cmd`: true when it exits 0 within `timeoutMs` (it is left to end in the container otherwise). */
function runOnce(run: ProbeRunner, cmd: string[], timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<number>((resolve) => (timer = setTimeout(() => resolve(-1), timeoutMs)));
  return Promise.race([run(cmd), timedOut]).then(
    (code) => (clearTimeout(timer), code === 0),
    () => (clearTimeout(timer), false),
  );
}

/**
 * Waiting for services to be ready: healthy when they have a health check, running otherwise.
 * Polls `inspect` every 100 ms (cheap on a local socket, and immune to missed events). While
 * Docker says `starting`, the service's own check is also run by Engawa (start-probe.ts), so the
 * wait ends when the service is ready, not when Docker's interval comes round. A service
 * whose container stops, or that is still not ready at the deadline, fails with UNHEALTHY and the
 * facts a user needs: its last log lines and its health check's last outputs (secrets redacted).
 */
import type Dockerode from 'dockerode';
import { setTimeout as sleep } from 'node:timers/promises';
import { EngawaError } from '../util/errors';
import { noProgress, type ProgressSink } from '../util/progress';
import { throwIfCancelled } from './images';
import { LogLineParser, sortByTime } from './logs';
import { redact } from '../plan/redact';
import type { HealthcheckSpec } from '../plan/types';
import { execRunner, probeCommand, StartProbe, type ProbeRunner } from './start-probe';

export const POLL_MS = 100;
export const DEFAULT_HEALTH_TIMEOUT_MS = 180_000;
/** restarts while we wait that count as a crash loop */
const CRASH_LOOP_RESTARTS = 3;

/** A container to wait for. */
export interface HealthTarget {
  service: string;
  containerId: string;
  hasHealthcheck: boolean;
  /** the service's health check, run by the wait itself while Docker says `starting` (start-probe.ts) */
  healthcheck?: Pick<HealthcheckSpec, 'test' | 'intervalMs' | 'timeoutMs'>;
}

export interface WaitOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: ProgressSink;
  secretValues?: readonly string[];
  /** how a probe runs its command (default: `exec` in the target's container) */
  probeRunner?: (target: HealthTarget) => ProbeRunner;
  /** told of each container start found ready by its own check (ProbedReady) */
  onProbePassed?: (containerId: string, startedAt: string) => void;
}

/** Resolves when every target is ready; throws UNHEALTHY (or CANCELLED) otherwise. */
export async function waitReady(docker: Dockerode, targets: readonly HealthTarget[], opts: WaitOptions = {}): Promise<void> {
  const onProgress = opts.onProgress ?? noProgress;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const lastHealth = new Map<string, string>();
  const firstRestartCount = new Map<string, number>();
  const probes = new Map<string, StartProbe>();
  const runner = opts.probeRunner ?? ((t: HealthTarget) => execRunner(docker, t.containerId));
  /** one probe per start of the container: what passed before a restart does not count after it */
  const probeFor = (t: HealthTarget, startedAt: string): StartProbe | undefined => {
    const cmd = t.hasHealthcheck && t.healthcheck ? probeCommand(t.healthcheck.test) : undefined;
    if (!cmd || !t.healthcheck) return undefined;
    const key = `${t.service}@${startedAt}`;
    let p = probes.get(key);
    if (!p) probes.set(key, (p = new StartProbe(cmd, t.healthcheck, runner(t))));
    return p;
  };
  let pending = [...targets];
  for (;;) {
    throwIfCancelled(opts.signal);
    const inspected = await Promise.all(pending.map(async (t) => ({ t, info: await docker.getContainer(t.containerId).inspect() })));
    pending = [];
    for (const { t, info } of inspected) {
      const starting = info.State.Running && info.State.Health?.Status === 'starting';
      const probe = starting ? probeFor(t, info.State.StartedAt) : undefined;
      // Docker's first check has not come round, but the same check, run by the wait, passed
      if (probe?.passed) opts.onProbePassed?.(t.containerId, info.State.StartedAt);
      const health = probe?.passed ? 'healthy' : (info.State.Health?.Status ?? (info.State.Running ? 'running' : info.State.Status));
      if (lastHealth.get(t.service) !== health) {
        lastHealth.set(t.service, health);
        onProgress({ kind: 'health', service: t.service, health });
      }
      const ready = t.hasHealthcheck ? health === 'healthy' : info.State.Running;
      if (ready) continue;
      probe?.poll();
      const restarts = info.RestartCount ?? 0;
      if (!firstRestartCount.has(t.service)) firstRestartCount.set(t.service, restarts);
      const crashLooping = restarts - (firstRestartCount.get(t.service) ?? restarts) >= CRASH_LOOP_RESTARTS;
      const stopped = !info.State.Running && !info.State.Restarting && info.State.Status !== 'created';
      if (crashLooping) throw await unhealthy(docker, t, info, `The service "${t.service}" keeps crashing and restarting.`, opts);
      if (stopped) throw await unhealthy(docker, t, info, `The service "${t.service}" stopped (exit code ${info.State.ExitCode}) before it was ready.`, opts);
      pending.push(t);
    }
    if (pending.length === 0) return;
    if (Date.now() >= deadline) {
      const t = pending[0] as HealthTarget;
      const info = await docker.getContainer(t.containerId).inspect();
      const seconds = Math.round(timeoutMs / 1000);
      throw await unhealthy(docker, t, info, `The service "${t.service}" did not become healthy within ${seconds} seconds.`, opts);
    }
    await sleep(POLL_MS, undefined, opts.signal ? { signal: opts.signal } : {}).catch(() => undefined);
  }
}

async function unhealthy(docker: Dockerode, t: HealthTarget, info: Dockerode.ContainerInspectInfo, message: string, opts: WaitOptions): Promise<EngawaError> {
  const secrets = opts.secretValues ?? [];
  const healthLog = (info.State.Health?.Log ?? []).slice(-5).map((l) => redact(String(l.Output ?? '').trim(), secrets));
  return new EngawaError('UNHEALTHY', message, {
    service: t.service,
    state: info.State.Status,
    health: info.State.Health?.Status ?? 'none',
    exitCode: info.State.ExitCode,
    lastLogLines: await tailLog(docker, t.containerId, 20, secrets),
    healthLog,
  });
}

/** The last `n` lines (stdout and stderr in time order) of a container's log, redacted. */
export async function tailLog(docker: Dockerode, containerId: string, n: number, secrets: readonly string[]): Promise<string[]> {
  try {
    const buf = (await docker.getContainer(containerId).logs({ stdout: true, stderr: true, tail: n, timestamps: true, follow: false })) as unknown as Buffer;
    const parser = new LogLineParser('');
    const lines = sortByTime([...parser.push(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf))), ...parser.flush()]);
    return lines.slice(-n).map((l) => redact(l.line, secrets));
  } catch {
    return [];
  }
}

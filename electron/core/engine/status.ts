/** Reading ServiceStatus from Docker's container list (pure). */
import type Dockerode from 'dockerode';
import { parsePortsLabel, PORTS_LABEL } from './spec';
import { type ServiceStatus } from './types';
import { LABELS } from '../plan/types';

const STATES: readonly ServiceStatus['state'][] = ['created', 'running', 'restarting', 'paused', 'exited', 'dead', 'removing'];

/** Health from `docker ps` status text: "Up 3 minutes (healthy)", "(health: starting)", "(unhealthy)". */
export function healthFromStatusText(text: string | undefined): ServiceStatus['health'] {
  const t = text ?? '';
  if (t.includes('(healthy)')) return 'healthy';
  if (t.includes('(unhealthy)')) return 'unhealthy';
  if (t.includes('(health: starting)')) return 'starting';
  return 'none';
}

/** Exit code from status text "Exited (3) 2 seconds ago". */
export function exitCodeFromStatusText(text: string | undefined): number | undefined {
  const m = /^Exited \((-?\d+)\)/.exec(text ?? '');
  return m ? Number(m[1]) : undefined;
}

/** True for a container that belongs to a long-running service (not a task or helper). */
export function isServiceContainer(labels: Record<string, string> | undefined): boolean {
  const role = labels?.[LABELS.role];
  return (role === undefined || role === 'service') && labels?.[LABELS.oneoff] !== 'True';
}

/** One listed container as a ServiceStatus. */
export function toServiceStatus(c: Dockerode.ContainerInfo): ServiceStatus {
  const labels = c.Labels ?? {};
  const state = (STATES as readonly string[]).includes(c.State) ? (c.State as ServiceStatus['state']) : 'dead';
  const names = parsePortsLabel(labels[PORTS_LABEL]);
  const ports: Record<string, number> = {};
  for (const p of c.Ports ?? []) {
    const name = names.get(p.PrivatePort);
    if (name !== undefined && p.PublicPort) ports[name] = p.PublicPort;
  }
  const status: ServiceStatus = {
    name: labels[LABELS.service] ?? c.Names[0]?.replace(/^\//, '') ?? c.Id,
    containerId: c.Id,
    state,
    health: healthFromStatusText(c.Status),
    image: c.Image,
    ports,
  };
  const hash = labels[LABELS.configHash];
  if (hash !== undefined) status.configHash = hash;
  const exitCode = state === 'exited' ? exitCodeFromStatusText(c.Status) : undefined;
  if (exitCode !== undefined) status.exitCode = exitCode;
  return status;
}

/**
 * One inspected container as a ServiceStatus. The container list is served from a view the engine
 * updates after it has already sent the `die` event, so a status read in reaction to an event must
 * come from inspect, which reads the container itself.
 */
export function inspectToServiceStatus(c: Dockerode.ContainerInspectInfo): ServiceStatus {
  const labels = c.Config?.Labels ?? {};
  const raw = c.State?.Status ?? 'dead';
  const state = (STATES as readonly string[]).includes(raw) ? (raw as ServiceStatus['state']) : 'dead';
  const h = (c.State as { Health?: { Status?: string } } | undefined)?.Health?.Status;
  const health: ServiceStatus['health'] = h === 'healthy' || h === 'unhealthy' || h === 'starting' ? h : 'none';
  const names = parsePortsLabel(labels[PORTS_LABEL]);
  const ports: Record<string, number> = {};
  for (const [key, bindings] of Object.entries(c.NetworkSettings?.Ports ?? {})) {
    const name = names.get(Number.parseInt(key, 10));
    const hostPort = bindings?.find((b) => b.HostPort)?.HostPort;
    if (name !== undefined && hostPort) ports[name] = Number(hostPort);
  }
  const status: ServiceStatus = {
    name: labels[LABELS.service] ?? c.Name.replace(/^\//, ''),
    containerId: c.Id,
    state,
    // Docker keeps the last health of a stopped container; it means nothing then
    health: state === 'running' ? health : 'none',
    image: c.Config?.Image ?? c.Image,
    ports,
  };
  const hash = labels[LABELS.configHash];
  if (hash !== undefined) status.configHash = hash;
  if (state === 'exited' && typeof c.State?.ExitCode === 'number') status.exitCode = c.State.ExitCode;
  return status;
}

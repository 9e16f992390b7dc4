/**
 * Pure translation of planned services into Docker container-create options: the long-running
 * service container and the one-off task container of a `run` step.
 */
import type Dockerode from 'dockerode';
import type { HealthcheckSpec } from '../plan/types';
import { dependsOnLabel } from './order';
import { LABELS, type Plan, type PlannedPort, type PlannedService, type PlannedStep } from '../plan/types';

/** Extra label: the service's published ports by name ("http:80,admin:3000"), read back by `status`. */
/**
 * Every container Engawa runs: no process in it may gain privileges (setuid binaries, file
 * capabilities). The official images drop root themselves (gosu, USER) and never need to gain it.
 */
export const SECURITY_OPT = ['no-new-privileges:true'];

/**
 * Every container drops every capability and gets back only those its recipe names
 * (ServiceSpec.capAdd, e.g. PostgreSQL's entrypoint chowns its data and steps down to its user).
 */
export function capabilities(service: PlannedService): Pick<Dockerode.HostConfig, 'CapDrop' | 'CapAdd'> {
  const add = service.capAdd ?? [];
  return { CapDrop: ['ALL'], ...(add.length > 0 ? { CapAdd: [...add] } : {}) };
}

export const PORTS_LABEL = LABELS.ports;

const MS_TO_NS = 1_000_000;

/** Compose-style port names label value. */
export function portsLabel(ports: readonly PlannedPort[]): string {
  return ports.map((p) => `${p.name}:${p.container}`).join(',');
}

/** Parses the ports label into container port → port name. */
export function parsePortsLabel(value: string | undefined): Map<number, string> {
  const out = new Map<number, string>();
  for (const part of (value ?? '').split(',')) {
    const i = part.lastIndexOf(':');
    const port = Number(part.slice(i + 1));
    if (i > 0 && Number.isInteger(port)) out.set(port, part.slice(0, i));
  }
  return out;
}

/** How often Docker 25 and later check during the start period (earlier engines ignore the field). */
export const START_INTERVAL_MS = 1000;

/**
 * Docker's HealthConfig from ours (durations in nanoseconds). With a start period, the checks in
 * it come every START_INTERVAL_MS (at most the interval) where the engine knows `StartInterval`,
 * so Docker's own status turns healthy soon after Engawa's wait saw the service ready
 * (start-probe.ts), not an interval later.
 */
export function healthConfig(h: HealthcheckSpec): Dockerode.HealthConfig {
  return {
    Test: h.test,
    Interval: h.intervalMs * MS_TO_NS,
    Timeout: h.timeoutMs * MS_TO_NS,
    Retries: h.retries,
    ...(h.startPeriodMs !== undefined ? { StartPeriod: h.startPeriodMs * MS_TO_NS, StartInterval: Math.min(START_INTERVAL_MS, h.intervalMs) * MS_TO_NS } : {}),
  };
}

function envList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

function mounts(service: PlannedService): Dockerode.MountSettings[] {
  return service.mounts.map((m) => ({ Type: 'volume', Source: m.source, Target: m.target, ReadOnly: m.readOnly }));
}

/** The labels every container of the plan carries, whatever its role. */
function baseLabels(plan: Plan, service: PlannedService): Record<string, string> {
  return {
    [LABELS.oneoff]: 'False',
    [LABELS.containerNumber]: '1',
    ...service.labels,
    [LABELS.project]: plan.project,
    [LABELS.service]: service.name,
    [LABELS.managed]: 'true',
    [LABELS.instance]: plan.instance,
    [LABELS.stack]: plan.stack,
  };
}

function taskLabels(plan: Plan, service: PlannedService): Record<string, string> {
  const labels: Record<string, string> = { ...baseLabels(plan, service), [LABELS.role]: 'task', [LABELS.oneoff]: 'True' };
  delete labels[LABELS.configHash];
  return labels;
}

/** Create options of a service's long-running container. */
export function serviceContainerSpec(plan: Plan, service: PlannedService): Dockerode.ContainerCreateOptions {
  const portKey = (p: PlannedPort): string => `${p.container}/tcp`;
  return {
    name: service.containerName,
    Image: service.image,
    Env: envList(service.env),
    ...(service.command ? { Cmd: service.command } : {}),
    ...(service.entrypoint ? { Entrypoint: service.entrypoint } : {}),
    ...(service.user !== undefined ? { User: service.user } : {}),
    ...(service.workingDir !== undefined ? { WorkingDir: service.workingDir } : {}),
    Labels: {
      ...baseLabels(plan, service),
      [LABELS.role]: 'service',
      [LABELS.configHash]: service.configHash,
      ...(service.dependsOn.length > 0 ? { [LABELS.dependsOn]: dependsOnLabel(service.dependsOn) } : {}),
      ...(service.ports.length > 0 ? { [PORTS_LABEL]: portsLabel(service.ports) } : {}),
    },
    ...(service.healthcheck ? { Healthcheck: healthConfig(service.healthcheck) } : {}),
    ExposedPorts: Object.fromEntries(service.ports.map((p) => [portKey(p), {}])),
    StopTimeout: service.stopTimeoutS,
    HostConfig: {
      Init: service.init,
      RestartPolicy: { Name: service.restart },
      Mounts: mounts(service),
      PortBindings: Object.fromEntries(service.ports.map((p) => [portKey(p), [{ HostIp: '127.0.0.1', HostPort: p.hostPort ? String(p.hostPort) : '' }]])),
      NetworkMode: plan.network.name,
      SecurityOpt: SECURITY_OPT,
      ...capabilities(service),
    },
    NetworkingConfig: { EndpointsConfig: { [plan.network.name]: { Aliases: [service.name] } } },
  };
}

/**
 * Create options of a one-off task container for a `run` step: the service's image, env (plus the
 * step's), mounts, user and network, with `Cmd` = the step's command; no ports, no network alias
 * (it must not receive the service's traffic), no restart, no health check.
 */
export function taskContainerSpec(plan: Plan, service: PlannedService, step: PlannedStep, name: string, withStdin: boolean): Dockerode.ContainerCreateOptions {
  return {
    name,
    Image: service.image,
    Env: envList({ ...service.env, ...step.env }),
    Cmd: step.command,
    ...(service.entrypoint ? { Entrypoint: service.entrypoint } : {}),
    ...(service.user !== undefined ? { User: service.user } : {}),
    ...(service.workingDir !== undefined ? { WorkingDir: service.workingDir } : {}),
    Labels: taskLabels(plan, service),
    Healthcheck: { Test: ['NONE'] },
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: withStdin,
    OpenStdin: withStdin,
    StdinOnce: withStdin,
    HostConfig: { Init: service.init, Mounts: mounts(service), NetworkMode: plan.network.name, SecurityOpt: SECURITY_OPT, ...capabilities(service) },
  };
}

/** The tar entries of a service's files, relative to '/'. */
export function fileEntries(service: PlannedService): { path: string; content: string; mode: number; uid: number; gid: number }[] {
  return service.files.map((f) => ({ path: f.path.replace(/^\/+/, ''), content: f.content, mode: f.mode, uid: f.uid, gid: f.gid }));
}

/**
 * What the watchdog reads about an instance: whether it is its to touch, each service's grace, the
 * tunnel connector's readiness (cloudflared's /ready, asked through the connector's own health
 * check command), which services are not ready now, and the last log lines of a service.
 */
import type { EngineApi, ServiceStatus } from '../engine/types';
import type { InstanceRecord } from '../instances';
import { redact } from '../plan/redact';
import type { ServiceSpec } from '../stacks/types';
import { CONNECTOR_SERVICE } from '../tunnel/connector';
import { recipeWithTunnel } from '../tunnel/instance-tunnel';
import type { WatchdogDeps } from './types';

/** Why the watchdog leaves an instance alone, or null when it watches it. */
export function whyNotWatched(record: InstanceRecord | undefined): string | null {
  if (record === undefined) return 'it no longer exists';
  if (record.pending !== undefined) return `its ${record.pending} has not finished`;
  if (record.update !== undefined) return 'an update of it has not finished';
  if (record.state === 'stopped') return 'it was stopped on purpose';
  if (record.state !== 'running') return `its last operation left it ${record.state}`;
  return null;
}

/** The instance's services as its recipe (with the connector, when it has a tunnel) declares them. */
export function serviceSpecs(deps: WatchdogDeps, record: InstanceRecord): Map<string, ServiceSpec> {
  try {
    const recipe = recipeWithTunnel(deps.manager.recipeOf(record, { lenient: true }), record.tunnel);
    return new Map(recipe.services.map((s) => [s.name, s]));
  } catch {
    return new Map(); // a recipe this Engawa does not know: defaults
  }
}

/** The command that asks the connector whether it has an edge connection (its health check, run now). */
export function readyCommand(spec: ServiceSpec | undefined): string[] | undefined {
  const test = spec?.healthcheck?.test;
  if (test === undefined || test.length < 2) return undefined;
  if (test[0] === 'CMD') return test.slice(1);
  if (test[0] === 'CMD-SHELL') return ['sh', '-c', test.slice(1).join(' ')];
  return undefined;
}

/** A service that is not ready, and why. */
export interface NotReady {
  service: string;
  why: string;
}

/**
 * The services of a watched instance that are not ready now: running but unhealthy, and the
 * connector when it is not running or its /ready says no edge connection. The connector comes first.
 */
export async function notReady(engine: EngineApi, project: string, record: InstanceRecord, specs: Map<string, ServiceSpec>): Promise<NotReady[]> {
  const services = await engine.status(project);
  const out: NotReady[] = [];
  for (const s of services) {
    if (s.name === CONNECTOR_SERVICE && record.tunnel !== null) {
      const why = await connectorProblem(engine, project, s, specs.get(s.name));
      if (why !== null) out.unshift({ service: s.name, why });
    } else if (s.state === 'running' && s.health === 'unhealthy') {
      out.push({ service: s.name, why: 'its health check fails' });
    }
  }
  return out;
}

async function connectorProblem(engine: EngineApi, project: string, s: ServiceStatus, spec: ServiceSpec | undefined): Promise<string | null> {
  if (s.state !== 'running') return `the connector is ${s.state}`;
  const cmd = readyCommand(spec);
  if (cmd === undefined) return s.health === 'unhealthy' ? 'the connector is unhealthy' : null;
  try {
    const r = await engine.exec(project, s.name, cmd);
    return r.exitCode === 0 ? null : 'the connector has no connection to Cloudflare (its /ready says not ready)';
  } catch (e) {
    return `the connector cannot be asked whether it is ready (${(e as Error).message})`;
  }
}

/** The service's last `n` log lines, with the instance's secrets redacted; [] when they cannot be read. */
export async function lastLogLines(deps: WatchdogDeps, engine: EngineApi, instance: string, project: string, service: string, n = 20): Promise<string[]> {
  const lines: string[] = [];
  try {
    await engine.logs(project, { service, tail: n }, (l) => lines.push(l.line));
  } catch {
    return [];
  }
  const stored: Record<string, string> = (await deps.secrets?.get(instance).catch(() => undefined)) ?? {};
  const secrets = Object.values(stored);
  return lines.slice(-n).map((l) => redact(l, secrets));
}

/**
 * Running one setup step of a plan: `run` in a one-off task container built from the step's
 * service, or `exec` in the running service. A non-zero exit is TASK_FAILED; nothing secret goes
 * into the error (every plan secret value is redacted from the output we quote).
 */
import { randomBytes } from 'node:crypto';
import type Dockerode from 'dockerode';
import { EngawaError } from '../util/errors';
import { lastLines } from './demux';
import { redact } from '../plan/redact';
import { isServiceContainer } from './status';
import { fileEntries, taskContainerSpec } from './spec';
import { tarFiles } from '../util/tar-write';
import { execIn, runToCompletion, type OutputLineSink } from './exec';
import { type TaskResult } from './types';
import { LABELS, type Plan, type PlannedService, type PlannedStep } from '../plan/types';
import { projectFilter } from './resources';

export interface StepOptions {
  signal?: AbortSignal;
  stdin?: string;
  onLine?: OutputLineSink;
}

/** The plan's service of that name, or NOT_FOUND. */
export function planService(plan: Plan, name: string): PlannedService {
  const s = plan.services.find((x) => x.name === name);
  if (!s) throw new EngawaError('NOT_FOUND', `The service "${name}" is not part of this server.`, { service: name });
  return s;
}

/** The running container of a service, or STATE when it is not running. */
export async function runningServiceContainer(docker: Dockerode, project: string, service: string): Promise<Dockerode.Container> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: [...projectFilter(project), `${LABELS.service}=${service}`] },
  });
  const c = list.find((x) => isServiceContainer(x.Labels));
  if (!c) throw new EngawaError('NOT_FOUND', `The service "${service}" has no container; start the server first.`, { service });
  if (c.State !== 'running') throw new EngawaError('STATE', `The service "${service}" is not running; start the server first.`, { service, state: c.State });
  return docker.getContainer(c.Id);
}

/** Copies a service's files into a created container (before it first starts). */
export async function putFiles(container: Dockerode.Container, service: PlannedService): Promise<void> {
  if (service.files.length === 0) return;
  await container.putArchive(tarFiles(fileEntries(service)), { path: '/' });
}

/** Runs one step; see the module comment. */
export async function runPlanStep(docker: Dockerode, plan: Plan, step: PlannedStep, opts: StepOptions = {}): Promise<TaskResult> {
  const service = planService(plan, step.service);
  let result: TaskResult;
  if (step.kind === 'run') {
    const name = `${service.containerName}-run-${randomBytes(4).toString('hex')}`;
    const spec = taskContainerSpec(plan, service, step, name, opts.stdin !== undefined);
    result = await runToCompletion(docker, spec, { ...opts, prepare: (c) => putFiles(c, service) });
  } else {
    const container = await runningServiceContainer(docker, plan.project, step.service);
    result = await execIn(container, step.command, { env: step.env, ...opts });
  }
  if (result.exitCode !== 0) {
    const quote = (text: string): string[] => lastLines(redact(text, plan.secretValues), 20);
    throw new EngawaError('TASK_FAILED', `The setup step "${step.name}" failed with exit code ${result.exitCode}.`, {
      step: step.name,
      service: step.service,
      exitCode: result.exitCode,
      stderr: quote(result.stderr),
      stdout: quote(result.stdout),
    });
  }
  return result;
}

/**
 * The dockerode implementation of EngineApi: what the instance manager uses to make Docker match a
 * plan and to watch it. Each concern lives in its own module beside this one; this class wires
 * them to one dockerode client.
 */
import type Dockerode from 'dockerode';
import { EngawaError } from '../util/errors';
import { applyPlan, startPlan, type EngineContext } from './apply';
import { classifyEngineError } from './classify';
import { readVolumeUsage, type VolumeUsage } from './disk';
import { readEngineInfo } from './connect';
import { watchEvents } from './events';
import { ensureImages } from './images';
import { readLogs } from './logs';
import { parseDependsOnLabel, stopWaves, DEPENDS_ON_LABEL } from './order';
import { listProjectContainers, removeProject } from './resources';
import { serviceStats, type RawStats } from './stats';
import { isServiceContainer, inspectToServiceStatus } from './status';
import { execRunner, ProbedReady } from './start-probe';
import { runningServiceContainer, runPlanStep } from './setup-steps';
import { execIn } from './exec';
import { probeEngineVm, type VmFacts } from './vm-probe';
import { readVmClock, setVmClock } from './vm-clock';
import { readVmDisk, type DiskSpace } from './vm-disk';
import {
  type ApplyOptions,
  type EngineApi,
  type EngineEvent,
  type EngineInfo,
  type LogLine,
  type ServiceStats,
  type ServiceStatus,
  type Subscription,
  type TaskResult,
} from './types';
import { LABELS, type Plan } from '../plan/types';

/** How the engine was found (for `info()`). */
export interface EndpointLike {
  source: string;
  url: string;
}

export interface DockerEngineOptions {
  endpoint?: EndpointLike;
  /**
   * the probe container's image as this machine gets it (the image map applied to PROBE_IMAGE);
   * without it `info()` measures nothing inside the engine (and so never pulls)
   */
  probeImage?: string;
  /** one line per action taken (create, remove, start, setup step …); never contains secrets */
  log?: (line: string) => void;
}

/** EngineApi over one dockerode client; see the module comment. */
/** How long a measurement of the engine's machine (free disk, CPU flags) is reused. */
const VM_FACTS_TTL_MS = 60_000;

export class DockerEngine implements EngineApi {
  private readonly ctx: EngineContext;
  private readonly endpoint: EndpointLike;
  private readonly probeImage: string | undefined;
  private probed: { at: number; facts: Promise<VmFacts | undefined> } | undefined;
  /** health of starts Docker has not checked yet, as their own check says (start-probe.ts) */
  private readonly ready = new ProbedReady();

  constructor(
    private readonly docker: Dockerode,
    opts: DockerEngineOptions = {},
  ) {
    this.ctx = { docker, log: opts.log ?? (() => {}), probed: this.ready };
    this.endpoint = opts.endpoint ?? endpointOf(docker);
    this.probeImage = opts.probeImage;
  }

  info(): Promise<EngineInfo> {
    const image = this.probeImage;
    return readEngineInfo(this.docker, this.endpoint, undefined, undefined, image === undefined ? undefined : () => this.vmFacts(image));
  }

  /** The probe container's facts, measured at most once a minute (the wizard asks while it waits for Docker). */
  private vmFacts(image: string): Promise<VmFacts | undefined> {
    const now = Date.now();
    if (this.probed === undefined || now - this.probed.at > VM_FACTS_TTL_MS) {
      const facts = probeEngineVm(this.docker, image);
      this.probed = { at: now, facts };
      // a failed probe is not kept: the next check tries again (probeEngineVm never rejects)
      const forget = (): void => {
        if (this.probed?.facts === facts) this.probed = undefined;
      };
      facts.then((f) => f === undefined && forget(), forget);
    }
    return this.probed.facts;
  }

  ensureImages(images: string[], opts: { onProgress?: ApplyOptions['onProgress']; signal?: AbortSignal } = {}): Promise<void> {
    return ensureImages(this.docker, images, opts);
  }

  async apply(plan: Plan, opts: ApplyOptions = {}): Promise<ServiceStatus[]> {
    await guard(() => applyPlan(this.ctx, plan, opts));
    return this.planStatus(plan);
  }

  async start(plan: Plan, opts: ApplyOptions = {}): Promise<ServiceStatus[]> {
    const started = await guard(() => startPlan(this.ctx, plan, opts));
    if (!started) return this.apply(plan, opts);
    return this.planStatus(plan);
  }

  /** Stops running containers, dependents before what they depend on (compose's depends_on label). */
  async stop(project: string, opts: { signal?: AbortSignal; timeoutS?: number } = {}): Promise<void> {
    await guard(async () => {
      const running = (await listProjectContainers(this.docker, project)).filter(
        (c) => c.State === 'running' || c.State === 'restarting' || c.State === 'paused',
      );
      const byId = new Map(running.map((c) => [c.Id, c]));
      const deps = new Map(running.map((c) => [c.Id, depIds(c, running)]));
      for (const wave of stopWaves(deps)) {
        if (opts.signal?.aborted) throw new EngawaError('CANCELLED', 'Stopping was cancelled.');
        await Promise.all(
          wave.map(async (id) => {
            this.ctx.log(`stop ${project}/${byId.get(id)?.Labels?.[LABELS.service] ?? id}`);
            await this.docker
              .getContainer(id)
              .stop(opts.timeoutS !== undefined ? { t: opts.timeoutS } : {})
              .catch((e: unknown) => {
                const code = (e as { statusCode?: number }).statusCode;
                if (code !== 304 && code !== 404) throw e;
              });
          }),
        );
      }
    });
  }

  async restartService(project: string, service: string, opts: { timeoutS?: number } = {}): Promise<void> {
    await guard(async () => {
      const found = (await listProjectContainers(this.docker, project)).find((c) => isServiceContainer(c.Labels) && c.Labels?.[LABELS.service] === service);
      if (found === undefined) throw new EngawaError('NOT_FOUND', `The service "${service}" has no container.`, { service });
      this.ctx.log(`restart ${project}/${service}`);
      await this.docker.getContainer(found.Id).restart(opts.timeoutS !== undefined ? { t: opts.timeoutS } : {});
    });
  }

  async remove(project: string, opts: { keepVolumes?: boolean } = {}): Promise<void> {
    this.ctx.log(`remove ${project}${opts.keepVolumes ? ' (keeping volumes)' : ''}`);
    await guard(() => removeProject(this.docker, project, opts.keepVolumes ?? false));
  }

  async status(project: string): Promise<ServiceStatus[]> {
    return guard(async () => {
      const list = (await listProjectContainers(this.docker, project)).filter((c) => isServiceContainer(c.Labels));
      const inspected = await Promise.all(
        list.map((c) =>
          this.docker
            .getContainer(c.Id)
            .inspect()
            .then((info) => this.ready.view(inspectToServiceStatus(info), info, execRunner(this.docker, c.Id)))
            .catch((e: unknown) => {
              if ((e as { statusCode?: number }).statusCode === 404) return undefined; // removed meanwhile
              throw e;
            }),
        ),
      );
      return inspected.filter((s): s is ServiceStatus => s !== undefined);
    });
  }

  runStep(plan: Plan, step: Plan['setup'][number], opts: Parameters<EngineApi['runStep']>[2] = {}): Promise<TaskResult> {
    this.ctx.log(`run step ${step.name} (${step.kind} in ${step.service})`);
    return guard(() => runPlanStep(this.docker, plan, step, opts));
  }

  async exec(project: string, service: string, cmd: string[], opts: { env?: Record<string, string>; user?: string; stdin?: string } = {}): Promise<TaskResult> {
    return guard(async () => execIn(await runningServiceContainer(this.docker, project, service), cmd, opts));
  }

  async logs(
    project: string,
    opts: { service?: string; tail?: number; follow?: boolean; since?: number; signal?: AbortSignal },
    onLine: (l: LogLine) => void,
  ): Promise<void> {
    const containers = (await this.status(project)).filter((s) => opts.service === undefined || s.name === opts.service);
    if (opts.service !== undefined && containers.length === 0) {
      throw new EngawaError('NOT_FOUND', `The service "${opts.service}" has no container.`, { service: opts.service });
    }
    const targets = containers.map((s) => ({ id: s.containerId as string, service: s.name }));
    await guard(() => readLogs(this.docker, targets, opts, onLine));
  }

  async stats(project: string): Promise<ServiceStats[]> {
    const running = (await this.status(project)).filter((s) => s.state === 'running');
    return guard(() =>
      Promise.all(
        running.map(async (s) => serviceStats(s.name, (await this.docker.getContainer(s.containerId as string).stats({ stream: false })) as RawStats)),
      ),
    );
  }

  events(onEvent: (e: EngineEvent) => void, onConnection?: (connected: boolean) => void): Subscription {
    return watchEvents(this.docker, onEvent, onConnection);
  }

  volumeUsage(project: string): Promise<VolumeUsage[]> {
    return guard(() => readVolumeUsage(this.docker, project));
  }

  /** The engine machine's clock, by the probe image (none without one: nothing is pulled). */
  async readClock(): Promise<number | undefined> {
    return this.probeImage === undefined ? undefined : readVmClock(this.docker, this.probeImage);
  }

  async setClock(epochSeconds: number): Promise<boolean> {
    if (this.probeImage === undefined) return false;
    this.ctx.log(`set the engine's clock to ${new Date(epochSeconds * 1000).toISOString()}`);
    return setVmClock(this.docker, this.probeImage, epochSeconds);
  }

  /** Free space on Docker's data disk, by the probe image (none without one: nothing is pulled). */
  async readDisk(): Promise<DiskSpace | undefined> {
    return this.probeImage === undefined ? undefined : readVmDisk(this.docker, this.probeImage);
  }

  /** The plan's services as they are now, 'missing' for those without a container. */
  private async planStatus(plan: Plan): Promise<ServiceStatus[]> {
    const present = new Map((await this.status(plan.project)).map((s) => [s.name, s]));
    return plan.services.map((s) => present.get(s.name) ?? { name: s.name, state: 'missing', health: 'none', ports: {} });
  }
}

/** Ids of the running containers `c` depends on (by compose service name). */
function depIds(c: Dockerode.ContainerInfo, all: readonly Dockerode.ContainerInfo[]): string[] {
  const names = new Set(parseDependsOnLabel(c.Labels?.[DEPENDS_ON_LABEL]));
  return all.filter((o) => isServiceContainer(o.Labels) && names.has(o.Labels?.[LABELS.service] ?? '')).map((o) => o.Id);
}

/** Runs `fn`, turning anything dockerode throws into an EngawaError. */
async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw classifyEngineError(e);
  }
}

function endpointOf(docker: Dockerode): EndpointLike {
  const m = docker.modem as unknown as { socketPath?: string; host?: string; port?: number | string; protocol?: string };
  if (m.socketPath) return { source: 'custom', url: m.socketPath.startsWith('//./pipe/') ? `npipe://${m.socketPath}` : `unix://${m.socketPath}` };
  return { source: 'custom', url: `${m.protocol === 'https' ? 'https' : 'tcp'}://${m.host ?? 'localhost'}:${m.port ?? 2375}` };
}

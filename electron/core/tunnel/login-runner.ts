/**
 * cloudflared commands (`tunnel login`, `create`, `route dns`, `list`, `delete` …) run as one-off
 * containers of the pinned image with cloudflared's home volume, through the engine like every other
 * container. They belong to a small "tool" project per instance, `<instance project>_cloudflared`,
 * which owns that volume and a network for the commands. Because the volume carries the tool
 * project's label and not the instance's, deleting the instance's containers and volumes leaves the
 * sign-in in place until the tunnel itself is deleted; `remove()` then takes both away.
 *
 * The volume is mounted at cloudflared's home (/home/nonroot, owned by its user 65532 in the image):
 * Docker gives an empty volume the owner of the directory it is first mounted on, so cloudflared
 * can write `~/.cloudflared` into it without any chown (the image has no shell or chown anyway).
 */
import { isEngawaError } from '../util/errors';
import type { EngineApi, TaskResult } from '../engine/types';
import type { Plan, PlannedService, PlannedStep } from '../plan/types';
import type { ProgressSink } from '../util/progress';
import { imageToRun } from '../plan/digests';
import { CLOUDFLARED_IMAGE, CLOUDFLARED_VERSION } from './connector';
import { CLOUDFLARED_HOME, LOGIN_VOLUME_KEY } from './login-connector';

const TOOL_SERVICE = 'cloudflared';

export interface CloudflaredCliOptions {
  /** the Docker volume that is cloudflared's home (also the tool project's name) */
  volume: string;
  instance: string;
  /** official image → local image (tests, mirrors) */
  images: Record<string, string>;
  onProgress?: ProgressSink;
}

/** Runs cloudflared commands for one instance; see the module comment. */
export class CloudflaredCli {
  private constructor(
    private readonly engine: EngineApi,
    /** the tool project as a plan: its volume, its network and the cloudflared service the commands run from */
    readonly plan: Plan,
  ) {}

  /** Makes sure the image, the volume and the network exist (the volume starts empty). */
  static async open(engine: EngineApi, opts: CloudflaredCliOptions): Promise<CloudflaredCli> {
    const plan = toolPlan(opts);
    await engine.ensureImages([(plan.services[0] as PlannedService).image], opts.onProgress ? { onProgress: opts.onProgress } : {});
    await engine.apply({ ...plan, services: [] });
    return new CloudflaredCli(engine, plan);
  }

  /** Runs `cloudflared <args>` to its end. A non-zero exit is returned, not thrown; a cancel throws CANCELLED. */
  async run(args: string[], opts: { signal?: AbortSignal; onLine?: (stream: 'stdout' | 'stderr', line: string) => void } = {}): Promise<TaskResult> {
    const step: PlannedStep = {
      name: `cloudflared ${args
        .filter((a) => !a.startsWith('-'))
        .slice(0, 3)
        .join(' ')}`,
      description: `cloudflared ${args.join(' ')}`,
      when: 'create',
      kind: 'run',
      service: TOOL_SERVICE,
      phase: 'before-start',
      command: args,
      env: {},
      secretEnv: [],
    };
    try {
      return await this.engine.runStep(this.plan, step, opts);
    } catch (e) {
      if (!isEngawaError(e, 'TASK_FAILED')) throw e;
      const d = e.details ?? {};
      const lines = (v: unknown): string => (Array.isArray(v) ? v.join('\n') : '');
      return { exitCode: typeof d.exitCode === 'number' ? d.exitCode : 1, stdout: lines(d.stdout), stderr: lines(d.stderr) };
    }
  }

  /** Deletes the volume (sign-in and tunnel credentials) and the network. */
  remove(): Promise<void> {
    return this.engine.remove(this.plan.project);
  }
}

/** The tool project for `opts.volume`: nothing secret, nothing published. */
function toolPlan(opts: CloudflaredCliOptions): Plan {
  const project = opts.volume;
  const image = imageToRun(CLOUDFLARED_IMAGE, opts.images);
  const service: PlannedService = {
    name: TOOL_SERVICE,
    containerName: `${project}-cli`,
    image,
    officialImage: CLOUDFLARED_IMAGE,
    env: { HOME: CLOUDFLARED_HOME },
    secretEnv: [],
    mounts: [{ source: opts.volume, volume: LOGIN_VOLUME_KEY, target: CLOUDFLARED_HOME, readOnly: false }],
    ports: [],
    dependsOn: [],
    files: [],
    init: true,
    stopTimeoutS: 10,
    restart: 'unless-stopped',
    labels: {},
    configHash: '',
  };
  return {
    project,
    instance: opts.instance,
    stack: 'cloudflared',
    stackVersion: CLOUDFLARED_VERSION,
    domain: '',
    hosts: {},
    network: { name: project, labels: {} },
    volumes: [{ name: opts.volume, key: LOGIN_VOLUME_KEY, backup: 'none', labels: {} }],
    services: [service],
    setup: [],
    http: [],
    ingress: [],
    web: { service: TOOL_SERVICE, port: '', healthPath: '', publicHost: '' },
    secretValues: [],
  };
}

/**
 * The engine's own types: what it reports (service status, events, info, stats, logs) and the
 * `EngineApi` it offers. What it applies is a `Plan` (plan/types.ts).
 */
import type { EngineSummary, ServiceStats } from '../../shared/contract';
import type { Plan, PlannedStep } from '../plan/types';

/** What a service looks like on the engine right now. */
export interface ServiceStatus {
  name: string;
  containerId?: string;
  /** 'missing' when no container exists */
  state: 'missing' | 'created' | 'running' | 'restarting' | 'paused' | 'exited' | 'dead' | 'removing';
  /** 'none' when the service has no health check */
  health: 'none' | 'starting' | 'healthy' | 'unhealthy';
  exitCode?: number;
  image?: string;
  configHash?: string;
  /** host ports actually published, by port name */
  ports: Record<string, number>;
}

/** A Docker event about one of our containers, normalised. */
export interface EngineEvent {
  project: string;
  service: string;
  containerId: string;
  /** docker's action: start, die, stop, kill, health_status, destroy, create, restart, oom … */
  action: string;
  health?: 'healthy' | 'unhealthy' | 'starting';
  exitCode?: number;
  /** ms since epoch */
  time: number;
}

/** Facts about the engine, from `doctor` and the wizard's Docker check. */
export interface EngineInfo extends EngineSummary {
  minApiVersion?: string;
  kernel?: string;
}

export interface ApplyOptions {
  onProgress?: import('../util/progress').ProgressSink;
  signal?: AbortSignal;
  /** how long to wait for all health checks, default 180 s */
  healthTimeoutMs?: number;
  /** run only these setup phases of `plan.setup` for operation `when` (create runs the create steps) */
  when?: 'create' | 'start';
  /** skip steps flagged admin */
  skipAdmin?: boolean;
  /** skip these setup steps (by name), e.g. captured steps whose result is already stored */
  skipSteps?: string[];
  /** receives the output of each setup step that ran (to keep what a step captures) */
  onStepOutput?: (step: PlannedStep, result: TaskResult) => void | Promise<void>;
}

export interface TaskResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface LogLine {
  service: string;
  stream: 'stdout' | 'stderr';
  /** ISO timestamp from Docker */
  time: string;
  line: string;
}

/** Resource use of one service right now: the contract's own type. */
export type { ServiceStats } from '../../shared/contract';

/** A subscription that can be closed. */
export interface Subscription {
  close(): void;
}

/**
 * What the instance manager needs from the engine. The dockerode implementation lives in
 * engine/engine.ts; tests of the instance manager may use a fake.
 */
export interface EngineApi {
  info(): Promise<EngineInfo>;
  /** pull what is missing, with progress; present images are never pulled */
  ensureImages(images: string[], opts?: { onProgress?: ApplyOptions['onProgress']; signal?: AbortSignal }): Promise<void>;
  /**
   * Make the engine match the plan: network, volumes, containers in dependency order (only
   * changed ones recreated), start them, run the setup steps of `opts.when`, wait for health.
   */
  apply(plan: Plan, opts?: ApplyOptions): Promise<ServiceStatus[]>;
  /** start existing containers in dependency order and wait for health */
  start(plan: Plan, opts?: ApplyOptions): Promise<ServiceStatus[]>;
  /** stop all containers of the project (reverse dependency order) */
  stop(project: string, opts?: { signal?: AbortSignal; timeoutS?: number }): Promise<void>;
  /** restart one service's container (stop within `timeoutS`, then start; its health check starts again); NOT_FOUND without one */
  restartService(project: string, service: string, opts?: { timeoutS?: number }): Promise<void>;
  /** remove every container, the network and every volume labelled with the project */
  remove(project: string, opts?: { keepVolumes?: boolean }): Promise<void>;
  status(project: string): Promise<ServiceStatus[]>;
  /** run a one-off step (kind 'run' or 'exec') of the plan; `onLine` gets each output line as it comes */
  runStep(
    plan: Plan,
    step: Plan['setup'][number],
    opts?: { signal?: AbortSignal; stdin?: string; onLine?: (stream: 'stdout' | 'stderr', line: string) => void },
  ): Promise<TaskResult>;
  exec(project: string, service: string, cmd: string[], opts?: { env?: Record<string, string>; user?: string; stdin?: string }): Promise<TaskResult>;
  logs(
    project: string,
    opts: { service?: string; tail?: number; follow?: boolean; since?: number; signal?: AbortSignal },
    onLine: (l: LogLine) => void,
  ): Promise<void>;
  stats(project: string): Promise<ServiceStats[]>;
  /** Docker events for all Engawa containers; reconnects when the engine restarts */
  events(onEvent: (e: EngineEvent) => void, onConnection?: (connected: boolean) => void): Subscription;
  /** disk use of the project's volumes (Docker's `/system/df`); optional so test fakes may leave it out */
  volumeUsage?(project: string): Promise<import('./disk').VolumeUsage[]>;
  /** the engine machine's clock read by a helper container (ms since the epoch); undefined when it cannot run (vm-clock.ts) */
  readClock?(): Promise<number | undefined>;
  /** sets the engine machine's clock by a helper container with CAP_SYS_TIME; false when it could not (vm-clock.ts) */
  setClock?(epochSeconds: number): Promise<boolean>;
  /** free/total bytes where Docker keeps its data, read by a helper container (vm-disk.ts); rejects when Docker does not answer */
  readDisk?(): Promise<import('./vm-disk').DiskSpace | undefined>;
}

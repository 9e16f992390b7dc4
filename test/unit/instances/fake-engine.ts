/**
 * An in-memory EngineApi for the instance manager's tests: containers are records per project,
 * health is scripted, failures are injected per method, and events are emitted by hand.
 */
import { EventEmitter } from 'node:events';
import type {
  ApplyOptions,
  EngineApi,
  EngineEvent,
  EngineInfo,
  LogLine,
  ServiceStats,
  ServiceStatus,
  Subscription,
  TaskResult,
} from '../../../electron/core/engine/types';
import type { Plan } from '../../../electron/core/plan/types';

type Method = 'ensureImages' | 'apply' | 'start' | 'stop' | 'remove' | 'status' | 'restartService';

export class FakeEngine implements EngineApi {
  /** project → service → status */
  readonly projects = new Map<string, Map<string, ServiceStatus>>();
  readonly calls: { method: Method; args: unknown[] }[] = [];
  /** health a service reports once started (default: 'healthy' with a health check, else 'none') */
  readonly scriptedHealth = new Map<string, ServiceStatus['health']>();
  private readonly failures = new Map<Method, Error>();
  private readonly emitter = new EventEmitter();
  /** the memory Docker reports */
  memoryBytes = 8 * 1024 ** 3;
  /** whether the CPU has SSE4.2 (undefined: cannot be known) */
  sse42: boolean | undefined = true;
  /** what a setup step prints when apply runs it (default: nothing, exit 0) */
  readonly stepOutputs = new Map<string, TaskResult>();
  /** setup steps apply ran, in order, across calls */
  readonly stepsRun: string[] = [];
  /** when set, apply throws this after running its setup steps (a failure half-way through) */
  failAfterSteps?: Error;
  /** what `exec` answers, by service (default: exit 0, no output); the calls are kept in `execs` */
  readonly execResults = new Map<string, TaskResult>();
  readonly execs: { project: string; service: string; cmd: string[] }[] = [];
  /** what `logs` delivers, by service (without `tail`: all of them) */
  readonly logLines = new Map<string, string[]>();
  /** a method listed here waits for its promise before doing anything (to catch an operation half-way) */
  readonly gates = new Map<Method, Promise<void>>();
  /** what Docker reports as its operating system ('Docker Desktop' for Docker Desktop's VM) */
  os = 'fake';
  /** how far the helper container's clock is from Date.now() (ms); undefined: the helper cannot run */
  clockOffsetMs: number | undefined = 0;
  /** the times (s) `setClock` was asked to set; a set clears the offset */
  readonly clockSets: number[] = [];

  /** The next call of `method` throws `error`. */
  failNext(method: Method, error: Error): void {
    this.failures.set(method, error);
  }

  callsOf(method: Method): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  /** Changes one container, as Docker would (no event is emitted: call `emit`). */
  setService(project: string, service: string, patch: Partial<ServiceStatus>): void {
    const s = this.projects.get(project)?.get(service);
    if (!s) throw new Error(`no container for ${project}/${service}`);
    Object.assign(s, patch);
  }

  emit(event: Omit<EngineEvent, 'time' | 'containerId'>): void {
    this.emitter.emit('event', { containerId: `${event.project}-${event.service}`, time: Date.now(), ...event });
  }

  private record(method: Method, args: unknown[]): void {
    this.calls.push({ method, args });
    const failure = this.failures.get(method);
    if (failure) {
      this.failures.delete(method);
      throw failure;
    }
  }

  private run(plan: Plan): ServiceStatus[] {
    const services = new Map<string, ServiceStatus>();
    for (const s of plan.services) {
      services.set(s.name, {
        name: s.name,
        containerId: `${plan.project}-${s.name}`,
        state: 'running',
        health: this.scriptedHealth.get(s.name) ?? (s.healthcheck ? 'healthy' : 'none'),
        image: s.image,
        configHash: s.configHash,
        ports: Object.fromEntries(s.ports.map((p) => [p.name, p.hostPort])),
      });
    }
    this.projects.set(plan.project, services);
    return [...services.values()].map((s) => ({ ...s }));
  }

  async info(): Promise<EngineInfo> {
    return {
      source: 'fake',
      endpoint: 'fake://',
      version: '0',
      apiVersion: '1.41',
      os: this.os,
      osType: 'linux',
      arch: 'x64',
      cpus: 1,
      memoryBytes: this.memoryBytes,
      ...(this.sse42 !== undefined && { sse42: this.sse42 }),
      flavor: 'docker',
    };
  }

  async ensureImages(images: string[]): Promise<void> {
    this.record('ensureImages', [images]);
  }

  async apply(plan: Plan, opts?: ApplyOptions): Promise<ServiceStatus[]> {
    this.record('apply', [plan, opts]);
    await this.gates.get('apply');
    const statuses = this.run(plan);
    const skip = new Set(opts?.skipSteps ?? []);
    for (const step of plan.setup) {
      if (step.when !== opts?.when || (opts.skipAdmin && step.admin) || skip.has(step.name)) continue;
      this.stepsRun.push(step.name);
      await opts.onStepOutput?.(step, this.stepOutputs.get(step.name) ?? { exitCode: 0, stdout: '', stderr: '' });
    }
    const failure = this.failAfterSteps;
    if (failure) {
      this.failAfterSteps = undefined;
      throw failure;
    }
    return statuses;
  }

  async start(plan: Plan, opts?: ApplyOptions): Promise<ServiceStatus[]> {
    this.record('start', [plan, opts]);
    await this.gates.get('start');
    return this.run(plan);
  }

  async stop(project: string): Promise<void> {
    this.record('stop', [project]);
    for (const s of this.projects.get(project)?.values() ?? []) Object.assign(s, { state: 'exited', health: 'none', exitCode: 0 });
  }

  /** Restarts one container: running again, its health 'starting' (or scripted); no event is emitted. */
  async restartService(project: string, service: string): Promise<void> {
    this.record('restartService', [project, service]);
    const s = this.projects.get(project)?.get(service);
    if (!s) throw new Error(`no container for ${project}/${service}`);
    Object.assign(s, { state: 'running', health: this.scriptedHealth.get(service) ?? (s.health === 'none' ? 'none' : 'starting') });
  }

  async remove(project: string): Promise<void> {
    this.record('remove', [project]);
    this.projects.delete(project);
  }

  async status(project: string): Promise<ServiceStatus[]> {
    this.record('status', [project]);
    return [...(this.projects.get(project)?.values() ?? [])].map((s) => ({ ...s, ports: s.state === 'running' ? { ...s.ports } : {} }));
  }

  async runStep(): Promise<TaskResult> {
    return { exitCode: 0, stdout: '', stderr: '' };
  }

  async exec(project: string, service: string, cmd: string[]): Promise<TaskResult> {
    this.execs.push({ project, service, cmd });
    return this.execResults.get(service) ?? { exitCode: 0, stdout: '', stderr: '' };
  }

  async logs(_project: string, opts: { service?: string; tail?: number }, onLine: (l: LogLine) => void): Promise<void> {
    for (const [service, lines] of this.logLines) {
      if (opts.service !== undefined && opts.service !== service) continue;
      for (const line of opts.tail === undefined ? lines : lines.slice(-opts.tail)) onLine({ service, stream: 'stdout', time: '', line });
    }
  }

  async stats(): Promise<ServiceStats[]> {
    return [];
  }

  async readClock(): Promise<number | undefined> {
    return this.clockOffsetMs === undefined ? undefined : Date.now() + this.clockOffsetMs;
  }

  async setClock(epochSeconds: number): Promise<boolean> {
    this.clockSets.push(epochSeconds);
    this.clockOffsetMs = epochSeconds * 1000 - Date.now();
    return true;
  }

  events(onEvent: (e: EngineEvent) => void, onConnection?: (connected: boolean) => void): Subscription {
    this.emitter.on('event', onEvent);
    if (onConnection) this.emitter.on('connection', onConnection);
    return {
      close: () => {
        this.emitter.off('event', onEvent);
        if (onConnection) this.emitter.off('connection', onConnection);
      },
    };
  }

  /** Tells subscribers that the connection to Docker was lost or is back. */
  connection(connected: boolean): void {
    this.emitter.emit('connection', connected);
  }

  /** number of open event subscriptions */
  get subscribers(): number {
    return this.emitter.listenerCount('event');
  }
}

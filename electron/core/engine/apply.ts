/**
 * Applying a plan: images, network, volumes, then each service's container reconciled by its
 * configuration hash (unchanged running containers are never touched), setup steps at their phase,
 * services started in dependency order (waiting for `healthy` dependencies), and finally a wait for
 * every service to be ready. Also `startPlan`, which starts existing containers the same way.
 */
import type Dockerode from 'dockerode';
import { EngawaError } from '../util/errors';
import { asStep as step, noProgress } from '../util/progress';
import { classifyEngineError } from './classify';
import { waitReady, type HealthTarget } from './health';
import type { ProbedReady } from './start-probe';
import { ensureImages, throwIfCancelled } from './images';
import { dependencyClosure } from './order';
import { decideAction, type ServiceAction } from './reconcile';
import { redact } from '../plan/redact';
import { chownVolume, ensureNetwork, ensureVolume, listProjectContainers } from './resources';
import { serviceContainerSpec } from './spec';
import { isServiceContainer, toServiceStatus } from './status';
import { putFiles, runPlanStep } from './setup-steps';
import type { ApplyOptions } from './types';
import type { Plan, PlannedService, PlannedStep } from '../plan/types';

/** What apply and start need besides the plan. */
export interface EngineContext {
  docker: Dockerode;
  log: (line: string) => void;
  /** container starts the waits found ready by their own check (status reads show them healthy) */
  probed?: ProbedReady;
}

/** The project's service containers by service name. */
async function serviceContainers(docker: Dockerode, project: string): Promise<Map<string, Dockerode.ContainerInfo>> {
  const out = new Map<string, Dockerode.ContainerInfo>();
  for (const c of await listProjectContainers(docker, project)) {
    if (isServiceContainer(c.Labels)) out.set(toServiceStatus(c).name, c);
  }
  return out;
}

/** Starts services in plan order, each after its dependencies are ready; remembers what it started. */
class Starter {
  /** container id by service */
  readonly ids = new Map<string, string>();
  /** services whose container must be started (the others already run) */
  readonly toStart = new Set<string>();
  private readonly started = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly plan: Plan,
    private readonly opts: ApplyOptions,
  ) {}

  target(name: string, requireHealthy = true): HealthTarget {
    const s = this.plan.services.find((x) => x.name === name);
    const id = this.ids.get(name);
    if (!s || !id) throw new EngawaError('INTERNAL', `The service "${name}" has no container.`, { service: name });
    const healthcheck = requireHealthy ? s.healthcheck : undefined;
    return { service: name, containerId: id, hasHealthcheck: healthcheck !== undefined, ...(healthcheck && { healthcheck }) };
  }

  async waitFor(names: readonly string[], requireHealthy = true): Promise<void> {
    const targets = names.map((n) => this.target(n, requireHealthy));
    await waitReady(this.ctx.docker, targets, this.waitOptions());
  }

  waitOptions(): Parameters<typeof waitReady>[2] {
    return {
      ...(this.opts.healthTimeoutMs !== undefined ? { timeoutMs: this.opts.healthTimeoutMs } : {}),
      ...(this.opts.signal ? { signal: this.opts.signal } : {}),
      ...(this.opts.onProgress ? { onProgress: this.opts.onProgress } : {}),
      secretValues: this.plan.secretValues,
      ...(this.ctx.probed && { onProbePassed: this.ctx.probed.mark.bind(this.ctx.probed) }),
    };
  }

  /**
   * Starts `s` once its dependencies are ready; memoised, so every service can be asked at once and
   * independent services (a database and a cache) start and get healthy side by side, as compose does.
   */
  start(s: PlannedService): Promise<void> {
    let p = this.started.get(s.name);
    if (!p) {
      p = this.startAfterDeps(s);
      this.started.set(s.name, p);
    }
    return p;
  }

  private async startAfterDeps(s: PlannedService): Promise<void> {
    const onProgress = this.opts.onProgress ?? noProgress;
    throwIfCancelled(this.opts.signal);
    await Promise.all(
      s.dependsOn.map(async (dep) => {
        const d = this.plan.services.find((x) => x.name === dep.service);
        if (d) await this.start(d);
        await this.waitFor([dep.service], dep.condition === 'healthy');
      }),
    );
    if (!this.toStart.has(s.name)) {
      onProgress({ kind: 'step', step: `start:${s.name}`, state: 'skipped', detail: 'running' });
      return;
    }
    await step(onProgress, `start:${s.name}`, async () => {
      this.ctx.log(`start ${this.plan.project}/${s.name}`);
      await this.ctx.docker.getContainer(this.target(s.name).containerId).start().catch(ignoreAlreadyStarted);
    });
  }
}

function ignoreAlreadyStarted(e: unknown): void {
  if ((e as { statusCode?: number }).statusCode !== 304) throw classifyEngineError(e);
}

/** Creates (or recreates) one service's container with its files in place; returns its id. */
async function createService(ctx: EngineContext, plan: Plan, s: PlannedService, old: Dockerode.ContainerInfo | undefined): Promise<string> {
  if (old) {
    ctx.log(`remove ${plan.project}/${s.name} (configuration changed)`);
    await ctx.docker.getContainer(old.Id).remove({ force: true, v: true });
  }
  ctx.log(`create ${plan.project}/${s.name}`);
  const container = await ctx.docker.createContainer(serviceContainerSpec(plan, s)).catch((e: unknown) => {
    throw classifyEngineError(e);
  });
  try {
    await putFiles(container, s);
  } catch (e) {
    // a container without its files must not be mistaken for a finished one next time
    await container.remove({ force: true, v: true }).catch(() => undefined);
    throw classifyEngineError(e);
  }
  return container.id;
}

/** Reconciles every service's container (no starting yet), recording ids and what needs a start. */
async function reconcileContainers(ctx: EngineContext, plan: Plan, opts: ApplyOptions, starter: Starter): Promise<void> {
  const onProgress = opts.onProgress ?? noProgress;
  const existing = await serviceContainers(ctx.docker, plan.project);
  const wanted = new Set(plan.services.map((s) => s.name));
  for (const [name, c] of existing) {
    if (wanted.has(name)) continue;
    ctx.log(`remove ${plan.project}/${name} (no longer in the plan)`);
    await ctx.docker.getContainer(c.Id).remove({ force: true, v: true });
  }
  for (const s of plan.services) {
    throwIfCancelled(opts.signal);
    const old = existing.get(s.name);
    const current = old ? toServiceStatus(old) : undefined;
    const action: ServiceAction = decideAction(current, s.configHash);
    if (action === 'create' || action === 'recreate') {
      const id = await step(
        onProgress,
        `create:${s.name}`,
        () => createService(ctx, plan, s, old),
        () => action,
      );
      starter.ids.set(s.name, id);
      starter.toStart.add(s.name);
      continue;
    }
    const id = (old as Dockerode.ContainerInfo).Id;
    starter.ids.set(s.name, id);
    onProgress({ kind: 'step', step: `create:${s.name}`, state: 'skipped', detail: 'unchanged' });
    if (action === 'start') starter.toStart.add(s.name);
    if (action === 'unpause') await ctx.docker.getContainer(id).unpause();
  }
}

/** The setup steps of this operation, split by phase. */
function stepsFor(plan: Plan, opts: ApplyOptions): { before: PlannedStep[]; after: PlannedStep[] } {
  const skip = new Set(opts.skipSteps ?? []);
  const steps = plan.setup.filter((st) => opts.when !== undefined && st.when === opts.when && !(opts.skipAdmin && st.admin) && !skip.has(st.name));
  return { before: steps.filter((st) => st.phase === 'before-start'), after: steps.filter((st) => st.phase === 'after-healthy') };
}

async function runSetupStep(ctx: EngineContext, plan: Plan, st: PlannedStep, opts: ApplyOptions): Promise<void> {
  const onProgress = opts.onProgress ?? noProgress;
  await step(onProgress, `setup:${st.name}`, async () => {
    ctx.log(`setup step ${st.name} (${st.kind} in ${st.service})`);
    const result = await runPlanStep(ctx.docker, plan, st, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      // a step that captures a secret prints it: its output stays out of progress and logs
      onLine: (_stream, line) => {
        if (!st.capture) onProgress({ kind: 'log', line: redact(line, plan.secretValues) });
      },
    });
    await opts.onStepOutput?.(st, result);
  });
}

/** Starts everything (steps at their phase) and waits until all services are ready. */
async function startAll(ctx: EngineContext, plan: Plan, opts: ApplyOptions, starter: Starter): Promise<void> {
  const onProgress = opts.onProgress ?? noProgress;
  const deps = new Map(plan.services.map((s) => [s.name, s.dependsOn.map((d) => d.service)]));
  const { before, after } = stepsFor(plan, opts);
  for (const st of before) {
    const needed = dependencyClosure(st.needs ?? [], deps);
    await Promise.all(plan.services.filter((s) => needed.has(s.name)).map((s) => starter.start(s)));
    await starter.waitFor(st.needs ?? []);
    await runSetupStep(ctx, plan, st, opts);
  }
  await Promise.all(plan.services.map((s) => starter.start(s)));
  await step(onProgress, 'health', () => starter.waitFor(plan.services.map((s) => s.name)));
  for (const st of after) await runSetupStep(ctx, plan, st, opts);
}

/** Makes the engine match the plan; see the module comment. */
export async function applyPlan(ctx: EngineContext, plan: Plan, opts: ApplyOptions = {}): Promise<void> {
  const onProgress = opts.onProgress ?? noProgress;
  await ensureImages(
    ctx.docker,
    plan.services.map((s) => s.image),
    { onProgress, ...(opts.signal ? { signal: opts.signal } : {}) },
  );
  throwIfCancelled(opts.signal);
  await step(
    onProgress,
    'network',
    () => ensureNetwork(ctx.docker, plan),
    (created) => (created ? 'created' : 'exists'),
  );
  await step(onProgress, 'volumes', async () => {
    for (const v of plan.volumes) {
      if (await ensureVolume(ctx.docker, plan, v)) await chownVolume(ctx.docker, plan, v);
    }
  });
  const starter = new Starter(ctx, plan, opts);
  await reconcileContainers(ctx, plan, opts, starter);
  await startAll(ctx, plan, opts, starter);
}

/**
 * Starts the plan's existing containers in dependency order and waits for them; false (nothing
 * done) when a container is missing, so the caller applies the plan instead.
 */
export async function startPlan(ctx: EngineContext, plan: Plan, opts: ApplyOptions = {}): Promise<boolean> {
  const existing = await serviceContainers(ctx.docker, plan.project);
  if (plan.services.some((s) => !existing.has(s.name))) return false;
  const starter = new Starter(ctx, plan, opts);
  for (const s of plan.services) {
    const c = existing.get(s.name) as Dockerode.ContainerInfo;
    starter.ids.set(s.name, c.Id);
    if (c.State === 'paused') await ctx.docker.getContainer(c.Id).unpause();
    else if (c.State !== 'running' && c.State !== 'restarting') starter.toStart.add(s.name);
  }
  await Promise.all(plan.services.map((s) => starter.start(s)));
  await step(opts.onProgress ?? noProgress, 'health', () => starter.waitFor(plan.services.map((s) => s.name)));
  return true;
}

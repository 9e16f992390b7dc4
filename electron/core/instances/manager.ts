/**
 * The instance manager: creates, starts, stops and destroys instances, one operation at a time per
 * instance (a lock shared with other Engawa processes), keeping the non-secret record on disk and
 * the secrets in a `SecretStore`. Docker is connected lazily, so `list` and `get` work without it.
 *
 * Crash safety: `create` stores the secrets, then the record with `pending: 'create'`, then applies
 * the plan. If it fails or is killed, the record stays (state 'error' or 'creating') and running
 * `create` again with the same name, stack and domain resumes it, as first recorded (same ports,
 * settings, admin and secrets), instead of answering NAME_TAKEN; `destroy` removes it instead. Every other operation is
 * idempotent, so an interrupted one is simply run again.
 */
import { EngawaError, isEngawaError, toEngawaError } from '../util/errors';
import type { EngineApi, LogLine, ServiceStatus, Subscription } from '../engine/types';
import type { Plan } from '../plan/types';
import { writeComposeProject } from '../stacks/compose';
import { imagesOf, plan as makePlan } from '../stacks/plan';
import { generateSecrets } from '../stacks/secrets';
import type { Recipe } from '../stacks/types';
import { validateDomain, validateInstanceName } from '../stacks/validate';
import { cloudflareOptionsFromEnv, type CloudflareOptions } from '../tunnel/api';
import { prepareTunnel, provisionTunnel, publicUrlOf, recipeWithTunnel, teardownTunnel, type TunnelOpContext } from '../tunnel/instance-tunnel';
import { neededAnswers, runHttpSteps } from './http-steps';
import { assertCreatable, resolveAdmin, withAdminSettings } from './input';
import { acquireLock, lockHolder } from './lock';
import { assertPortFree, freePorts } from './ports';
import type { SecretStore } from './secret-store';
import { deriveState, nextState, type StateEvent } from './state';
import { InstanceStore } from './store';
import type { CreateInput, InstanceRecord, InstanceState, Op, OpOptions, PendingOp } from './types';
import type { InstanceStatus } from '../../shared/contract';

export interface InstanceManagerDeps {
  /** the Engawa data directory (see home.ts) */
  home: string;
  /** connects to Docker; called only when an operation needs it, again after a failure */
  engine: () => Promise<EngineApi>;
  secrets: SecretStore;
  recipes: { get(id: string): Recipe; list(): Recipe[] };
  /** official image reference → local reference (tests, mirrors) */
  images?: Record<string, string>;
  /** how to reach Cloudflare's API (default: ENGAWA_CLOUDFLARE_API_URL of this process) */
  cloudflare?: CloudflareOptions;
  log?: (line: string) => void;
}

export type StateListener = (name: string, state: InstanceState) => void;

/** The compose project of an instance (the same rule as `plan()`). */
export const projectName = (name: string): string => `engawa-${name}`;

const INSTANCE_OF_PROJECT = /^engawa-(.+)$/;
/** States in which a container holds its published ports. */
const HOLDS_PORTS: ReadonlySet<ServiceStatus['state']> = new Set<ServiceStatus['state']>(['running', 'restarting', 'paused']);

export class InstanceManager {
  private readonly store: InstanceStore;
  private readonly log: (line: string) => void;
  /** operations of this process in progress, by instance */
  private readonly active = new Map<string, Op>();
  private readonly listeners = new Set<StateListener>();
  /** last state told to listeners, by instance */
  private readonly known = new Map<string, InstanceState>();
  /** per-instance queue of observations, so results apply in event order */
  private readonly observing = new Map<string, Promise<void>>();
  private enginePromise?: Promise<EngineApi>;

  constructor(private readonly deps: InstanceManagerDeps) {
    this.log = deps.log ?? (() => {});
    this.store = new InstanceStore(deps.home, this.log);
  }

  /**
   * Creates an instance (or resumes one whose creation did not finish, see the file comment) and
   * waits until it is healthy. Everything in `input` is checked before anything is written.
   * `adminPassword` is returned when the password was generated (not supplied in `input`).
   */
  async create(input: CreateInput, opts: OpOptions = {}): Promise<{ instance: InstanceRecord; adminPassword?: string }> {
    const recipe = this.recipeForInput(input.stack);
    const name = validateInstanceName(input.name);
    const domain = validateDomain(input.domain);
    const { admin, password } = resolveAdmin(recipe, domain, input.admin);
    const settings = withAdminSettings(recipe, { ...input.settings }, admin);
    const overrides = (input.overrides ?? []).map((o) => ({ service: o.service, key: o.key, value: o.value }));
    const passwordSecret = recipe.admin.passwordSecret;
    if (password !== undefined && recipe.setup.some((st) => st.capture !== undefined && st.capture.secret === passwordSecret)) {
      throw new EngawaError('INVALID_INPUT', `${recipe.name} makes up the admin's password itself; leave out the password and Engawa shows it once.`, {
        stack: recipe.id,
      });
    }
    const supplied = passwordSecret !== undefined && password !== undefined ? { [passwordSecret]: password } : {};
    const fresh = generateSecrets(recipe, {}, supplied);
    // a dry run of the plan checks the settings and overrides, still before anything is written
    const dryPlan = makePlan(recipe, { instance: name, domain, secrets: fresh, settings, overrides, images: this.deps.images ?? {} });
    const existing = await this.store.read(name);
    assertCreatable(existing, name, recipe.id, domain);
    // the tunnel is checked (with Cloudflare, changing nothing) only for a new instance; a resumed one keeps its own
    const tunnel = existing === undefined ? await prepareTunnel(input.tunnel, dryPlan, this.tunnelContext(opts)) : null;

    return this.operate(name, 'create', async () => {
      const engine = await this.engine();
      let record = await this.store.read(name);
      assertCreatable(record, name, recipe.id, domain);
      let secrets: Record<string, string>;
      if (record === undefined) {
        await assertMachineFits(engine, recipe, input.allowLowMemory === true);
        // Images first: one that is missing and cannot be pulled fails here, with nothing written.
        await engine.ensureImages(imagesOf(dryPlan), withOpts(opts));
        secrets = { ...fresh, ...tunnel?.secrets };
        await this.deps.secrets.set(name, secrets);
        record = {
          version: 1,
          name,
          stack: recipe.id,
          stackVersion: recipe.version,
          domain,
          createdAt: new Date().toISOString(),
          settings,
          overrides,
          ports: await freePorts(recipe.services.flatMap((svc) => (svc.ports ?? []).map((p) => p.name))),
          admin,
          tunnel: tunnel?.tunnel ?? null,
          state: 'creating',
          pending: 'create',
        };
        await this.store.write(record);
        this.publish(name, record.state);
      } else {
        this.log(`resuming the creation of "${name}"`);
        const stored = await this.deps.secrets.get(name);
        secrets = generateSecrets(recipe, stored); // fills in only what is missing
        if (Object.keys(secrets).length !== Object.keys(stored).length) await this.deps.secrets.set(name, secrets);
      }
      try {
        await this.assertPortsFree(engine, record);
        record = await this.transition(record, { type: 'op', op: 'create', phase: 'begin' }, 'create');
        if (record.tunnel !== null) {
          const basePlan = makePlan(recipe, {
            instance: name,
            domain,
            secrets,
            settings: record.settings,
            overrides: record.overrides,
            images: this.deps.images ?? {},
          });
          secrets = await provisionTunnel(
            record.tunnel,
            basePlan,
            secrets,
            async (t) => {
              record = { ...(record as InstanceRecord), tunnel: t };
              await this.store.write(record);
            },
            this.tunnelContext(opts),
          );
          await this.deps.secrets.set(name, secrets);
        }
        const plan = await this.planFor(name); // apply() pulls what a resumed create still lacks
        const done = new Set(record.setupDone ?? []);
        const markDone = async (step: string) => {
          done.add(step);
          record = { ...(record as InstanceRecord), setupDone: [...done] };
          await this.store.write(record);
        };
        await engine.apply(plan, {
          ...withOpts(opts),
          when: 'create',
          skipAdmin: record.admin === null,
          skipSteps: [...done],
          onStepOutput: async (step, result) => {
            if (step.capture) {
              secrets = { ...secrets, [step.capture.secret]: capture(step.name, step.capture.pattern, result.stdout) };
              await this.deps.secrets.set(name, secrets);
            }
            if (step.capture || step.admin) await markDone(step.name);
          },
        });
        const httpSteps = plan.http.filter((h) => h.when === 'create');
        await runHttpSteps(
          httpSteps,
          { port: record.ports[plan.web.port] as number, host: plan.web.publicHost },
          {
            skipAdmin: record.admin === null,
            skip: done,
            answers: keptAnswers(secrets),
            secretValues: plan.secretValues,
            onDone: async (step, answer) => {
              // an answer a later step needs is kept (it may be a credential) until create finishes
              const needed = neededAnswers(httpSteps, step, answer);
              if (Object.keys(needed).length > 0) {
                secrets = { ...secrets, [`${ANSWER_PREFIX}${step.name}`]: JSON.stringify(needed) };
                await this.deps.secrets.set(name, secrets);
              }
              await markDone(step.name);
            },
            ...withOpts(opts),
          },
        );
        if (Object.keys(secrets).some((k) => k.startsWith(ANSWER_PREFIX))) {
          secrets = Object.fromEntries(Object.entries(secrets).filter(([k]) => !k.startsWith(ANSWER_PREFIX)));
          await this.deps.secrets.set(name, secrets);
        }
        const { setupDone: _done, ...finished } = record;
        record = await this.transition(finished, { type: 'op', op: 'create', phase: 'end' }, undefined);
      } catch (e) {
        await this.failed(record, 'create', e);
        throw e;
      }
      const secretName = record.admin ? recipe.admin.passwordSecret : undefined;
      const generated = secretName !== undefined && password === undefined ? secrets[secretName] : undefined;
      return generated === undefined ? { instance: record } : { instance: record, adminPassword: generated };
    });
  }

  /** Starts the instance's containers and waits until they are healthy. */
  start(name: string, opts: OpOptions = {}): Promise<void> {
    return this.lifecycle(name, 'start', opts);
  }

  /** Stops the instance's containers (data stays). */
  stop(name: string, opts: OpOptions = {}): Promise<void> {
    return this.lifecycle(name, 'stop', opts);
  }

  /** Stops, then starts the instance's containers. */
  restart(name: string, opts: OpOptions = {}): Promise<void> {
    return this.lifecycle(name, 'restart', opts);
  }

  /**
   * Deletes the instance: containers, network, volumes, secrets and record, in that order, so an
   * interrupted destroy can be run again (it also removes an instance whose creation failed).
   */
  async destroy(name: string, opts: OpOptions = {}): Promise<void> {
    await this.get(name);
    await this.operate(name, 'destroy', async () => {
      let record = await this.store.read(name);
      if (record === undefined) return; // destroyed meanwhile
      const engine = await this.engine();
      record = await this.transition(record, { type: 'op', op: 'destroy', phase: 'begin' }, 'destroy');
      const step = 'Delete containers, volumes and secrets';
      opts.onProgress?.({ kind: 'step', step, state: 'start' });
      try {
        await engine.remove(projectName(name));
        if (record.tunnel !== null) {
          // after the connector is gone: the tunnel, then only our DNS records (progress kept for a re-run)
          await teardownTunnel(
            record.tunnel,
            await this.deps.secrets.get(name),
            async (t) => {
              record = { ...(record as InstanceRecord), tunnel: t };
              await this.store.write(record);
            },
            this.tunnelContext(opts),
          );
        }
        await this.deps.secrets.delete(name);
        await this.store.delete(name);
      } catch (e) {
        opts.onProgress?.({ kind: 'step', step, state: 'failed' });
        await this.failed(record, 'destroy', e);
        throw e;
      }
      opts.onProgress?.({ kind: 'step', step, state: 'done' });
      this.known.delete(name);
    });
  }

  /** Every instance's record, read from disk only (works while Docker is stopped). */
  list(): Promise<InstanceRecord[]> {
    return this.store.list();
  }

  /** The record of `name`; NOT_FOUND (naming the instances that exist) when there is none. */
  async get(name: string): Promise<InstanceRecord> {
    const record = await this.store.read(validateInstanceName(name));
    if (record) return record;
    const names = (await this.store.list()).map((r) => r.name);
    throw new EngawaError(
      'NOT_FOUND',
      names.length > 0 ? `There is no instance "${name}"; the instances are: ${names.join(', ')}.` : `There is no instance "${name}"; none exist yet.`,
      { name, known: names },
    );
  }

  /**
   * The live state of an instance: from the containers when no operation runs on it, from the
   * record while one does (or when an unfinished create or destroy left it incomplete), and
   * 'unknown' when Docker cannot be asked. `error` says why, for 'error' and 'unknown'.
   */
  async status(name: string): Promise<InstanceStatus> {
    const record = await this.get(name);
    const recipe = this.recipeOf(record);
    let state = record.state;
    let services: ServiceStatus[] = [];
    let error: InstanceStatus['error'];
    try {
      services = await (await this.engine()).status(projectName(name));
      if (record.pending === undefined && !(await this.busy(name))) state = deriveState(services);
      if (state === 'error') error = record.lastError;
    } catch (e) {
      const err = toEngawaError(e);
      state = 'unknown';
      error = { code: err.code, message: err.message };
    }
    return {
      name,
      stack: record.stack,
      domain: record.domain,
      state,
      services: services.map((s) => ({ name: s.name, state: s.state, health: s.health })),
      localUrl: `http://127.0.0.1:${record.ports[recipe.web.port] ?? 0}`,
      publicUrl: publicUrlOf(record.tunnel),
      ...(error && { error }),
    };
  }

  /** The plan of an existing instance, from its record and stored secrets (never generating any). */
  async planFor(name: string): Promise<Plan> {
    const record = await this.get(name);
    const recipe = recipeWithTunnel(this.recipeOf(record), record.tunnel);
    const secrets = await this.deps.secrets.get(name);
    const missing = recipe.secrets.filter((s) => !Object.hasOwn(secrets, s.name)).map((s) => s.name);
    if (missing.length > 0) {
      throw new EngawaError('SECRETS', `The secrets of "${name}" are missing (${missing.join(', ')}); restore them from a backup or destroy the instance.`, {
        name,
        missing,
        store: this.deps.secrets.kind,
      });
    }
    return makePlan(recipe, {
      instance: record.name,
      domain: record.domain,
      secrets,
      settings: record.settings,
      overrides: record.overrides,
      ports: record.ports,
      images: this.deps.images ?? {},
      ...(record.volumes && { volumeNames: record.volumes }),
    });
  }

  /** The instance's container logs (see EngineApi.logs). */
  async logs(name: string, opts: Parameters<EngineApi['logs']>[1], onLine: (line: LogLine) => void): Promise<void> {
    await this.get(name);
    await (await this.engine()).logs(projectName(name), opts, onLine);
  }

  /** Writes the instance as a docker-compose project into `dir`; returns the files written. */
  async exportCompose(name: string, dir: string): Promise<string[]> {
    return writeComposeProject(await this.planFor(name), dir);
  }

  /**
   * Calls `onChange` whenever an instance's state changes: through this manager's operations, and
   * from Docker's events (each event re-reads that instance's containers; no polling). While an
   * operation runs on an instance (here or in another Engawa process) its events are ignored.
   */
  watch(onChange: StateListener): Subscription {
    this.listeners.add(onChange);
    let closed = false;
    let events: Subscription | undefined;
    this.engine()
      .then((engine) => {
        if (closed) return;
        events = engine.events(
          (e) => {
            const name = INSTANCE_OF_PROJECT.exec(e.project)?.[1];
            if (name !== undefined) this.observe(name);
          },
          (connected) => void this.connectionChanged(connected),
        );
      })
      .catch((e: unknown) => this.log(`cannot watch Docker: ${toEngawaError(e).message}`));
    return {
      close: () => {
        closed = true;
        this.listeners.delete(onChange);
        events?.close();
      },
    };
  }

  private async lifecycle(name: string, op: 'start' | 'stop' | 'restart', opts: OpOptions): Promise<void> {
    await this.get(name);
    await this.operate(name, op, async () => {
      let record = await this.get(name);
      if (record.pending === 'create') {
        throw new EngawaError('STATE', `"${name}" was not fully created; run create again to finish it, or destroy it.`, { name });
      }
      if (record.pending === 'destroy') {
        throw new EngawaError('STATE', `"${name}" was partly deleted; run destroy again to finish.`, { name });
      }
      const engine = await this.engine();
      const plan = op === 'stop' ? undefined : await this.planFor(name);
      if (plan) await this.assertPortsFree(engine, record);
      record = await this.transition(record, { type: 'op', op, phase: 'begin' }, undefined);
      try {
        if (op !== 'start') await engine.stop(projectName(name), opts.signal ? { signal: opts.signal } : {});
        if (plan) await engine.start(plan, withOpts(opts));
        await this.transition(record, { type: 'op', op, phase: 'end' }, undefined);
      } catch (e) {
        await this.failed(record, op, e);
        throw e;
      }
    });
  }

  private tunnelContext(opts: OpOptions): TunnelOpContext {
    return {
      cloudflare: this.deps.cloudflare ?? cloudflareOptionsFromEnv(process.env),
      engine: () => this.engine(),
      images: this.deps.images ?? {},
      ...(opts.onProgress && { onProgress: opts.onProgress }),
      ...(opts.signal && { signal: opts.signal }),
    };
  }

  /** Runs `body` holding the instance's lock. */
  private async operate<T>(name: string, op: Op, body: () => Promise<T>): Promise<T> {
    const lock = await acquireLock(this.deps.home, name, op);
    this.active.set(name, op);
    try {
      if (lock.stale) {
        this.log(`"${name}": taking over from an interrupted ${lock.stale.op} (process ${lock.stale.pid}, started ${lock.stale.startedAt})`);
      }
      return await body();
    } finally {
      this.active.delete(name);
      await lock.release();
    }
  }

  /** Applies `event`, sets `pending` (undefined clears it), clears `lastError`, writes the record and tells listeners. */
  private async transition(record: InstanceRecord, event: StateEvent, pending: PendingOp | undefined): Promise<InstanceRecord> {
    const { pending: _p, lastError: _e, ...rest } = record;
    const next: InstanceRecord = { ...rest, state: nextState(record.state, event), ...(pending && { pending }) };
    await this.store.write(next);
    this.publish(next.name, next.state);
    return next;
  }

  /** Records a failed operation. An unfinished create or destroy stays pending. */
  private async failed(record: InstanceRecord, op: Op, e: unknown): Promise<void> {
    const err = toEngawaError(e);
    const { pending: _p, ...rest } = record;
    const next: InstanceRecord = {
      ...rest,
      state: nextState(record.state, { type: 'op', op, phase: 'fail' }),
      ...((op === 'create' || op === 'destroy') && { pending: op }),
      lastError: { code: err.code, message: err.message },
    };
    try {
      await this.store.write(next);
      this.publish(next.name, next.state);
    } catch (writeError) {
      this.log(`cannot record the failure of ${op} on "${record.name}": ${(writeError as Error).message}`);
    }
  }

  /** PORT_IN_USE when another program holds one of the instance's ports (ours may hold them). */
  private async assertPortsFree(engine: EngineApi, record: InstanceRecord): Promise<void> {
    const services = await engine.status(projectName(record.name));
    const ours = new Set(services.filter((s) => HOLDS_PORTS.has(s.state)).flatMap((s) => Object.values(s.ports)));
    for (const port of Object.values(record.ports)) {
      if (!ours.has(port)) await assertPortFree(port);
    }
  }

  private observe(name: string): void {
    const previous = this.observing.get(name) ?? Promise.resolve();
    const next = previous.then(() => this.observeNow(name)).catch((e: unknown) => this.log(`cannot read the state of "${name}": ${toEngawaError(e).message}`));
    this.observing.set(name, next);
    void next.finally(() => {
      if (this.observing.get(name) === next) this.observing.delete(name);
    });
  }

  private async observeNow(name: string): Promise<void> {
    const services = await (await this.engine()).status(projectName(name));
    // checked after asking Docker, so an operation that began meanwhile wins
    const record = await this.store.read(name);
    if (record === undefined || record.pending !== undefined || (await this.busy(name)) || this.active.has(name)) return;
    const current = this.known.get(name) ?? record.state;
    this.publish(name, nextState(current, { type: 'observed', services }));
  }

  private async connectionChanged(connected: boolean): Promise<void> {
    try {
      for (const record of await this.store.list()) {
        if (connected) this.observe(record.name);
        else if (!this.active.has(record.name)) this.publish(record.name, 'unknown');
      }
    } catch (e) {
      this.log(`cannot list instances: ${toEngawaError(e).message}`);
    }
  }

  private publish(name: string, state: InstanceState): void {
    if (this.known.get(name) === state) return;
    this.known.set(name, state);
    for (const listener of this.listeners) {
      try {
        listener(name, state);
      } catch (e) {
        this.log(`a state listener failed: ${(e as Error).message}`);
      }
    }
  }

  /** True while an operation (of any Engawa process) holds the instance's lock. */
  private async busy(name: string): Promise<boolean> {
    return this.active.has(name) || (await lockHolder(this.deps.home, name)) !== null;
  }

  private engine(): Promise<EngineApi> {
    this.enginePromise ??= this.deps.engine().catch((e: unknown) => {
      this.enginePromise = undefined;
      throw e;
    });
    return this.enginePromise;
  }

  private findRecipe(id: string): Recipe | undefined {
    try {
      return this.deps.recipes.get(id) ?? undefined;
    } catch (e) {
      if (isEngawaError(e, 'NOT_FOUND')) return undefined;
      throw e;
    }
  }

  private recipeForInput(id: string): Recipe {
    const recipe = this.findRecipe(id);
    if (recipe) return recipe;
    const known = this.deps.recipes
      .list()
      .filter((r) => !r.testOnly)
      .map((r) => r.id);
    throw new EngawaError('INVALID_INPUT', `There is no stack "${id}"; choose one of: ${known.join(', ')}.`, { stack: id, known });
  }

  private recipeOf(record: InstanceRecord): Recipe {
    const recipe = this.findRecipe(record.stack);
    if (recipe) return recipe;
    throw new EngawaError('NOT_FOUND', `"${record.name}" uses the stack "${record.stack}", which this version of Engawa does not know.`, {
      name: record.name,
      stack: record.stack,
    });
  }
}

/**
 * Refuses to create a stack this machine cannot run: a CPU the images cannot run on (Misskey needs
 * SSE4.2 on x86-64; the container would die with "illegal instruction"), or less memory than the
 * stack needs (it would start, then crash or crawl) unless the user explicitly accepts that.
 */
async function assertMachineFits(engine: EngineApi, recipe: Recipe, allowLowMemory: boolean): Promise<void> {
  const info = await engine.info();
  for (const req of recipe.requires ?? []) {
    if (req.check === 'x86-64-sse4.2' && info.sse42 === false) {
      throw new EngawaError('UNSUPPORTED', req.note.en, { stack: recipe.id, requirement: req.check });
    }
  }
  const need = recipe.memoryMiB * 1024 * 1024;
  if (info.memoryBytes >= need || allowLowMemory) return;
  const gib = (n: number) => `${(n / 1024 ** 3).toFixed(1)} GB`;
  throw new EngawaError(
    'LOW_MEMORY',
    `Docker has ${gib(info.memoryBytes)} of memory but ${recipe.name} needs about ${gib(need)}; give Docker more memory (Docker Desktop: Settings → Resources), or create it anyway with --allow-low-memory.`,
    { haveBytes: info.memoryBytes, needBytes: need, stack: recipe.id },
  );
}

/** Secret-store keys under which answers of HTTP steps are kept while a create is unfinished. */
const ANSWER_PREFIX = 'setup-answer:';

/** The kept answers of HTTP steps, by step name. */
function keptAnswers(secrets: Record<string, string>): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const [k, v] of Object.entries(secrets)) {
    if (k.startsWith(ANSWER_PREFIX)) out.set(k.slice(ANSWER_PREFIX.length), JSON.parse(v) as Record<string, unknown>);
  }
  return out;
}

/** The first group of `pattern` in a setup step's output (the value it was run to produce). */
function capture(step: string, pattern: string, stdout: string): string {
  const value = new RegExp(pattern, 'm').exec(stdout)?.[1];
  if (!value) throw new EngawaError('TASK_FAILED', `The setup step "${step}" did not print what Engawa needed to keep.`, { step });
  return value;
}

function withOpts(opts: OpOptions): { onProgress?: OpOptions['onProgress']; signal?: AbortSignal } {
  return { ...(opts.onProgress && { onProgress: opts.onProgress }), ...(opts.signal && { signal: opts.signal }) };
}

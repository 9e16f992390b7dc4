/**
 * The instance manager: the facade other layers use to create, start, stop and destroy instances
 * and to run their own operations on one (backup, restore, drill), one operation at a time per
 * instance (a lock shared with other Engawa processes), keeping the non-secret record on disk and
 * the secrets in a `SecretStore`. Docker is connected lazily, so `list` and `get` work without it.
 *
 * Each operation lives in its own module (create.ts, lifecycle.ts, destroy.ts; the Docker events
 * in watcher.ts) over the machinery they share (context.ts, operation.ts), and every state they
 * reach goes through the one state cache (state-cache.ts) that `watch` listeners and the core read.
 * An interrupted create resumes when run again (see create.ts); every other operation is
 * idempotent, so an interrupted one is simply run again.
 */
import { toEngawaError } from '../util/errors';
import type { EngineApi, LogLine, ServiceStatus, Subscription } from '../engine/types';
import type { Recipe } from '../stacks/types';
import type { Plan } from '../plan/types';
import { writeComposeProject } from '../stacks/compose';
import { validateInstanceName } from '../stacks/validate';
import { publicUrlOf } from '../tunnel/instance-tunnel';
import { InstanceContext, projectName, type InstanceManagerDeps } from './context';
import { createInstance } from './create';
import { destroyInstance } from './destroy';
import { runLifecycle } from './lifecycle';
import { runOperation, type OperationTx } from './operation';
import { deriveState } from './state';
import type { StateCache, StateListener } from './state-cache';
import type { CreateInput, InstanceRecord, Op, OpOptions } from './types';
import type { InstanceStatus } from '../../shared/contract';
import { DockerWatcher, type EngineListener } from './watcher';

export class InstanceManager {
  private readonly ctx: InstanceContext;
  private readonly watcher: DockerWatcher;

  constructor(deps: InstanceManagerDeps) {
    this.ctx = new InstanceContext(deps);
    this.watcher = new DockerWatcher(this.ctx);
  }

  /**
   * The one cache of instance states: the last state told to `watch` listeners, by instance
   * (undefined until one was told: the record's state holds until then).
   */
  get states(): StateCache {
    return this.ctx.states;
  }

  /**
   * Creates an instance (or resumes one whose creation did not finish, see create.ts) and waits
   * until it is healthy. Everything in `input` is checked before anything is written.
   * `adminPassword` is returned when the password was generated (not supplied in `input`).
   */
  create(input: CreateInput, opts: OpOptions = {}): Promise<{ instance: InstanceRecord; adminPassword?: string }> {
    return createInstance(this.ctx, input, opts);
  }

  /** Starts the instance's containers and waits until they are healthy. */
  start(name: string, opts: OpOptions = {}): Promise<void> {
    return runLifecycle(this.ctx, name, 'start', opts);
  }

  /** Stops the instance's containers (data stays). */
  stop(name: string, opts: OpOptions = {}): Promise<void> {
    return runLifecycle(this.ctx, name, 'stop', opts);
  }

  /** Stops, then starts the instance's containers. */
  restart(name: string, opts: OpOptions = {}): Promise<void> {
    return runLifecycle(this.ctx, name, 'restart', opts);
  }

  /**
   * Deletes the instance: containers, network, volumes, secrets and record, in that order, so an
   * interrupted destroy can be run again (it also removes an instance whose creation failed).
   */
  destroy(name: string, opts: OpOptions = {}): Promise<void> {
    return destroyInstance(this.ctx, name, opts);
  }

  /**
   * Runs `body` as operation `op` on instance `name` (which need not exist yet: a restore on a new
   * computer makes it), holding the instance's lock as the manager's own operations do: BUSY while
   * another operation (of any Engawa process) runs on it, Docker's events for it ignored meanwhile.
   * `tx` is the way to read and change the record: its transitions tell `watch` listeners the
   * state, as the manager's own operations do. Nothing is written unless `body` writes it.
   */
  runOperation<T>(name: string, op: Op, body: (tx: OperationTx) => Promise<T>): Promise<T> {
    return runOperation(this.ctx, name, op, body);
  }

  /** Every instance's record, read from disk only (works while Docker is stopped). */
  list(): Promise<InstanceRecord[]> {
    return this.ctx.store.list();
  }

  /** The record of `name`; NOT_FOUND (naming the instances that exist) when there is none. */
  get(name: string): Promise<InstanceRecord> {
    return this.ctx.get(name);
  }

  /** The record of `name`, or undefined when there is none. */
  find(name: string): Promise<InstanceRecord | undefined> {
    return this.ctx.store.read(validateInstanceName(name));
  }

  /**
   * The live state of an instance: from the containers when no operation runs on it, from the
   * record while one does (or when an unfinished create or destroy left it incomplete), and
   * 'unknown' when Docker cannot be asked. `error` says why, for 'error' and 'unknown'.
   */
  async status(name: string): Promise<InstanceStatus> {
    const record = await this.get(name);
    const recipe = this.ctx.recipeOf(record, { lenient: true });
    let state = record.state;
    let services: ServiceStatus[] = [];
    let error: InstanceStatus['error'];
    try {
      services = await (await this.ctx.engine()).status(projectName(name));
      if (record.pending === undefined && !(await this.ctx.busy(name))) state = deriveState(services);
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

  /** The plan of an existing instance at its recorded release (see InstanceContext.planFor). */
  planFor(name: string, opts: { lenient?: boolean } = {}): Promise<Plan> {
    return this.ctx.planFor(name, opts);
  }

  /** The recipe of an instance at its recorded release (see InstanceContext.recipeOf). */
  recipeOf(record: Pick<InstanceRecord, 'name' | 'stack' | 'stackVersion'>, opts: { lenient?: boolean } = {}): Recipe {
    return this.ctx.recipeOf(record, opts);
  }

  /** The stack's recipe as this Engawa ships it: its newest release and the list of all it knows. */
  baseRecipeOf(record: Pick<InstanceRecord, 'name' | 'stack'>): Recipe {
    return this.ctx.baseRecipeOf(record);
  }

  /** The plan of a record as given, before it is written (an update plans its next release so). */
  planOf(record: InstanceRecord): Promise<Plan> {
    return this.ctx.planOf(record);
  }

  /** The instance's container logs (see EngineApi.logs). */
  async logs(name: string, opts: Parameters<EngineApi['logs']>[1], onLine: (line: LogLine) => void): Promise<void> {
    await this.get(name);
    await (await this.ctx.engine()).logs(projectName(name), opts, onLine);
  }

  /** Writes the instance as a docker-compose project into `dir`; returns the files written. */
  async exportCompose(name: string, dir: string): Promise<string[]> {
    return writeComposeProject(await this.planFor(name, { lenient: true }), dir);
  }

  /**
   * Calls `onChange` whenever an instance's state changes: through the operations (the manager's
   * and those run through `runOperation`), and from Docker's events (each event re-reads that
   * instance's containers; no polling). While an operation runs on an instance (here or in another
   * Engawa process) its events are ignored.
   */
  watch(onChange: StateListener): Subscription {
    return this.watcher.watch(onChange);
  }

  /**
   * Hands `listener` Docker's events and each loss or return of the connection, from the same one
   * event stream `watch` reads (opened while anybody listens): for the watchdog (core/watch).
   */
  watchEngine(listener: EngineListener): Subscription {
    return this.watcher.listen(listener);
  }
}

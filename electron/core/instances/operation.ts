/**
 * Running an operation on an instance, the one path for all of them: the manager's own (create,
 * start/stop/restart, destroy) and those of other layers (backup, restore, the restore drill,
 * through `InstanceManager.runOperation`). It holds the instance's lock (a file other Engawa
 * processes see, see lock.ts), marks the instance active in this process (so Docker's events for
 * it are ignored meanwhile), and hands the body an `OperationTx`: the only way an operation
 * changes the record and tells listeners (the tray, the window) the state that goes with it.
 */
import { EngawaError, toEngawaError } from '../util/errors';
import type { ServiceStatus } from '../engine/types';
import { projectName, type InstanceContext } from './context';
import { acquireLock } from './lock';
import { assertPortFree, freePorts, keepOrChoosePorts, machinePortEnv, portUse, type PortEnv } from './ports';
import { nextState } from './state';
import type { InstanceRecord, InstanceState, Op, PendingOp } from './types';

/** States in which a container holds its published ports. */
const HOLDS_PORTS: ReadonlySet<ServiceStatus['state']> = new Set<ServiceStatus['state']>(['running', 'restarting', 'paused']);

/** What an operation may do to its instance while it holds the lock. */
export interface OperationTx {
  /** the instance */
  readonly name: string;
  readonly op: Op;
  /** the record as it is now; undefined when there is none (yet) */
  read(): Promise<InstanceRecord | undefined>;
  /** the record; NOT_FOUND (naming the instances that exist) when there is none */
  get(): Promise<InstanceRecord>;
  /** writes the record as it is, telling listeners nothing (progress, or a record put back as it was) */
  write(record: InstanceRecord): Promise<void>;
  /**
   * The operation's begin or end (state.ts gives the state; a backup's or a drill's leave it), sets
   * `pending` (undefined clears it), clears `lastError`, writes the record and tells listeners.
   */
  transition(record: InstanceRecord, phase: 'begin' | 'end', pending?: PendingOp): Promise<InstanceRecord>;
  /** Records the operation's failure (state 'error', `lastError`) and tells listeners; an unfinished create or destroy stays pending. */
  failed(record: InstanceRecord, e: unknown): Promise<void>;
  /** Tells listeners a state without writing the record (e.g. 'error' after the operation put the record back as it was). */
  publish(state: InstanceState): void;
  /** Deletes the record and forgets the instance's state: the instance is gone. */
  remove(): Promise<void>;
  /** PORT_IN_USE when another program holds one of the record's ports (the instance's own containers may hold them). */
  assertPortsFree(record: InstanceRecord): Promise<void>;
  /**
   * Moves the record off ports the OS has come to reserve for itself since they were chosen (on
   * Windows, Hyper-V and WinNAT reserve blocks at boot): each gets a new free port, the record is
   * written, and the record is returned (the same object when nothing had to move).
   */
  movePortsOffReserved(record: InstanceRecord): Promise<InstanceRecord>;
  /** A distinct free port on 127.0.0.1 for each of `names`. */
  freePorts(names: string[]): Promise<Record<string, number>>;
  /** The `wanted` ports where they are free on this computer, the others newly chosen. */
  choosePorts(wanted: Record<string, number>): Promise<Record<string, number>>;
}

/** Runs `body` holding the instance's lock; see the module comment. */
export async function runOperation<T>(ctx: InstanceContext, name: string, op: Op, body: (tx: OperationTx) => Promise<T>): Promise<T> {
  const lock = await acquireLock(ctx.deps.home, name, op);
  ctx.active.set(name, op);
  const tx = new Tx(ctx, name, op);
  try {
    if (lock.stale) {
      ctx.log(`"${name}": taking over from an interrupted ${lock.stale.op} (process ${lock.stale.pid}, started ${lock.stale.startedAt})`);
    }
    return await body(tx);
  } finally {
    tx.open = false;
    ctx.active.delete(name);
    await lock.release();
  }
}

class Tx implements OperationTx {
  /** false once the lock is released: the record is no longer this operation's to change */
  open = true;

  constructor(
    private readonly ctx: InstanceContext,
    readonly name: string,
    readonly op: Op,
  ) {}

  read(): Promise<InstanceRecord | undefined> {
    return this.ctx.store.read(this.name);
  }

  get(): Promise<InstanceRecord> {
    return this.ctx.get(this.name);
  }

  async write(record: InstanceRecord): Promise<void> {
    this.assertOwn(record);
    await this.ctx.store.write(record);
  }

  async transition(record: InstanceRecord, phase: 'begin' | 'end', pending?: PendingOp): Promise<InstanceRecord> {
    this.assertOwn(record);
    const { pending: _p, lastError: _e, ...rest } = record;
    const next: InstanceRecord = { ...rest, state: nextState(record.state, { type: 'op', op: this.op, phase }), ...(pending && { pending }) };
    await this.ctx.store.write(next);
    this.ctx.states.set(next.name, next.state);
    return next;
  }

  async failed(record: InstanceRecord, e: unknown): Promise<void> {
    this.assertOwn(record);
    const err = toEngawaError(e);
    const { pending: _p, ...rest } = record;
    const next: InstanceRecord = {
      ...rest,
      state: nextState(record.state, { type: 'op', op: this.op, phase: 'fail' }),
      ...((this.op === 'create' || this.op === 'destroy') && { pending: this.op }),
      lastError: { code: err.code, message: err.message },
    };
    try {
      await this.ctx.store.write(next);
      this.ctx.states.set(next.name, next.state);
    } catch (writeError) {
      this.ctx.log(`cannot record the failure of ${this.op} on "${record.name}": ${(writeError as Error).message}`);
    }
  }

  publish(state: InstanceState): void {
    this.assertOpen();
    this.ctx.states.set(this.name, state);
  }

  async remove(): Promise<void> {
    this.assertOpen();
    await this.ctx.store.delete(this.name);
    this.ctx.states.forget(this.name);
  }

  async assertPortsFree(record: InstanceRecord): Promise<void> {
    const ours = await this.portsHeld(record);
    for (const port of Object.values(record.ports)) {
      if (!ours.has(port)) await assertPortFree(port, this.ports);
    }
  }

  async movePortsOffReserved(record: InstanceRecord): Promise<InstanceRecord> {
    this.assertOwn(record);
    const ours = await this.portsHeld(record);
    const reserved: string[] = [];
    for (const [key, port] of Object.entries(record.ports)) {
      if (!ours.has(port) && (await portUse(port, this.ports)) === 'reserved') reserved.push(key);
    }
    if (reserved.length === 0) return record;
    const moved = await freePorts(reserved, this.ports, new Set(Object.values(record.ports)));
    const next: InstanceRecord = { ...record, ports: { ...record.ports, ...moved } };
    await this.write(next);
    for (const key of reserved) this.ctx.log(`"${record.name}": port ${record.ports[key]} (${key}) is reserved by the system now; moved to ${moved[key]}`);
    return next;
  }

  freePorts(names: string[]): Promise<Record<string, number>> {
    return freePorts(names, this.ports);
  }

  choosePorts(wanted: Record<string, number>): Promise<Record<string, number>> {
    return keepOrChoosePorts(wanted, this.ports);
  }

  /** The host ports the instance's own containers hold now (they do not count as taken). */
  private async portsHeld(record: InstanceRecord): Promise<Set<number>> {
    const services = await (await this.ctx.engine()).status(projectName(record.name));
    return new Set(services.filter((s) => HOLDS_PORTS.has(s.state)).flatMap((s) => Object.values(s.ports)));
  }

  private get ports(): PortEnv {
    return this.ctx.deps.ports ?? machinePortEnv();
  }

  private assertOpen(): void {
    if (!this.open) throw new EngawaError('INTERNAL', `The ${this.op} of "${this.name}" has ended; it can no longer change the instance.`, { name: this.name });
  }

  private assertOwn(record: InstanceRecord): void {
    this.assertOpen();
    if (record.name !== this.name) {
      throw new EngawaError('INTERNAL', `The ${this.op} of "${this.name}" cannot write the record of "${record.name}".`, { name: this.name });
    }
  }
}

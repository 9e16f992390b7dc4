/**
 * Long operations (create, start, stop, restart, destroy; later backup and restore): each gets an
 * id at once and runs in the background, pushing `op.progress` events tagged with its id and
 * ending with one `op.done` or `op.failed`. One operation per instance at a time in this process
 * (the instance lock also guards against other processes). Pull progress, which Docker sends many
 * times a second, is coalesced to a few events a second; every other event goes out at once.
 */
import { randomUUID } from 'node:crypto';
import type { OpInfo, OpKind, OpResult } from '../../shared/contract';
import { EngawaError, toEngawaError } from '../util/errors';
import type { Progress, ProgressSink } from '../util/progress';
import type { EventBus } from './events';
import type { ClientContext } from './types';

/** At most one pull event per operation in this interval; the last one is never lost. */
export const PULL_EVENT_INTERVAL_MS = 250;

/** What an operation's body gets. */
export interface OpContext {
  signal: AbortSignal;
  onProgress: ProgressSink;
}

interface Running {
  info: OpInfo;
  controller: AbortController;
  done: Promise<void>;
}

export class Operations {
  private readonly running = new Map<string, Running>();

  constructor(private readonly bus: EventBus) {}

  /**
   * Starts `body` for `instance` and answers its id at once. BUSY when this process already runs
   * an operation on the instance. The result goes to `client` only (it may hold the once-shown
   * admin password); every other client gets `op.done` without it.
   */
  start(
    op: OpKind,
    instance: string,
    client: ClientContext,
    body: (ctx: OpContext) => Promise<OpResult | undefined>,
    opts: { cancellable: boolean },
  ): { opId: string } {
    const busy = [...this.running.values()].find((r) => r.info.instance === instance);
    if (busy) {
      throw new EngawaError('BUSY', `"${instance}" is busy (${busy.info.op}); wait until it has finished.`, { name: instance, op: busy.info.op });
    }
    const opId = randomUUID();
    const info: OpInfo = { opId, op, instance, startedAt: new Date().toISOString(), cancellable: opts.cancellable };
    const controller = new AbortController();
    const progress = this.progressSink(info);
    const done = (async () => {
      try {
        const result = await body({ signal: controller.signal, onProgress: progress.push });
        progress.flush();
        this.running.delete(opId);
        if (result !== undefined) {
          client.send('op.done', { opId, op, instance, result });
          this.bus.emit('op.done', { opId, op, instance }, client.id);
        } else {
          this.bus.emit('op.done', { opId, op, instance });
        }
      } catch (e) {
        progress.flush();
        this.running.delete(opId);
        const err =
          controller.signal.aborted && !(e instanceof EngawaError && e.code !== 'INTERNAL')
            ? new EngawaError('CANCELLED', 'The operation was cancelled.')
            : toEngawaError(e);
        this.bus.emit('op.failed', { opId, op, instance, error: err.toJSON() });
      }
    })();
    this.running.set(opId, { info, controller, done });
    return { opId };
  }

  /**
   * Runs `body` as an operation of `instance` for this process's own runs (a schedule, a policy),
   * acting as `client`, and resolves when it ends; rejects with its error, or with BUSY at once
   * when the instance is busy.
   */
  run(op: OpKind, instance: string, client: ClientContext, body: (ctx: OpContext) => Promise<void>, opts: { cancellable: boolean }): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.start(
        op,
        instance,
        client,
        async (ctx) => {
          try {
            await body(ctx);
            resolve();
          } catch (e) {
            reject(toEngawaError(e));
            throw e;
          }
          return undefined;
        },
        opts,
      );
    });
  }

  /** The operations running now. */
  list(): OpInfo[] {
    return [...this.running.values()].map((r) => ({ ...r.info }));
  }

  /** Asks an operation to stop; false when it is unknown, finished or cannot be stopped safely. */
  cancel(opId: string): boolean {
    const r = this.running.get(opId);
    if (r === undefined || !r.info.cancellable) return false;
    r.controller.abort();
    return true;
  }

  /** Resolves when every operation running now has ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** Tags progress with the operation and coalesces pull events (see PULL_EVENT_INTERVAL_MS). */
  private progressSink(info: OpInfo): { push: ProgressSink; flush: () => void } {
    const { opId, op, instance } = info;
    const emit = (progress: Progress) => this.bus.emit('op.progress', { opId, op, instance, progress });
    let held: Progress | undefined;
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (held !== undefined) emit(held);
      held = undefined;
    };
    const push = (p: Progress) => {
      if (p.kind !== 'pull') {
        flush();
        emit(p);
        return;
      }
      if (held !== undefined && held.kind === 'pull' && held.image !== p.image) flush();
      if (timer === undefined) {
        emit(p);
        timer = setTimeout(flush, PULL_EVENT_INTERVAL_MS);
        timer.unref?.();
      } else {
        held = p;
      }
    };
    return { push, flush };
  }
}

/** A client for the process's own runs: what it is sent goes nowhere (every client hears op.done / op.failed). */
export function internalClient(id: string): ClientContext {
  return { id, send: () => {}, onClose: () => {} };
}

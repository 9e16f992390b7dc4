/**
 * Instance states from Docker's events, no polling: each event re-reads that instance's containers
 * (in event order, one queue per instance) and the state machine turns what they show into a state
 * for the state cache. While an operation runs on an instance (here or in another Engawa process)
 * its events are ignored: the operation tells its own states. When Docker goes away every instance
 * not being operated on becomes 'unknown'; when it is back, each is read again.
 *
 * One event stream serves everyone: it is opened for the first subscriber (a state listener from
 * `watch`, or an engine listener from `listen`, such as the watchdog) and closed with the last.
 */
import { toEngawaError } from '../util/errors';
import type { EngineEvent, Subscription } from '../engine/types';
import { instanceOfProject, projectName, type InstanceContext } from './context';
import { nextState } from './state';
import type { StateListener } from './state-cache';

/** What an engine listener hears: every event of the one stream, and each loss or return of the connection. */
export interface EngineListener {
  onEvent?(event: EngineEvent): void;
  onConnection?(connected: boolean): void;
}

export class DockerWatcher {
  /** per-instance queue of observations, so results apply in event order */
  private readonly observing = new Map<string, Promise<void>>();
  private readonly listeners = new Set<EngineListener>();
  private subscribers = 0;
  /** the one stream while anybody subscribes */
  private stream: { events?: Subscription; closed: boolean } | undefined;

  constructor(private readonly ctx: InstanceContext) {}

  /** Calls `onChange` whenever an instance's state changes, until the subscription is closed; see the module comment. */
  watch(onChange: StateListener): Subscription {
    const unlisten = this.ctx.states.listen(onChange);
    const release = this.retain();
    return {
      close: () => {
        unlisten();
        release();
      },
    };
  }

  /** Hands `listener` every event and connection change of the one stream, until the subscription is closed. */
  listen(listener: EngineListener): Subscription {
    this.listeners.add(listener);
    const release = this.retain();
    return {
      close: () => {
        this.listeners.delete(listener);
        release();
      },
    };
  }

  /** One more subscriber of the stream (opened for the first); the function returned gives it up, once. */
  private retain(): () => void {
    this.subscribers++;
    if (this.stream === undefined) this.open();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.subscribers > 0 || this.stream === undefined) return;
      this.stream.closed = true;
      this.stream.events?.close();
      this.stream = undefined;
    };
  }

  private open(): void {
    const stream: { events?: Subscription; closed: boolean } = { closed: false };
    this.stream = stream;
    this.ctx
      .engine()
      .then((engine) => {
        if (stream.closed) return;
        stream.events = engine.events(
          (e) => {
            const name = instanceOfProject(e.project);
            if (name !== undefined) this.observe(name);
            this.tell((l) => l.onEvent?.(e));
          },
          (connected) => {
            this.connectionChanged(connected).catch((e: unknown) => this.ctx.log(`cannot list instances: ${toEngawaError(e).message}`));
            this.tell((l) => l.onConnection?.(connected));
          },
        );
      })
      .catch((e: unknown) => {
        this.ctx.log(`cannot watch Docker: ${toEngawaError(e).message}`);
        // the next subscriber tries again
        if (this.stream === stream) this.stream = undefined;
      });
  }

  private tell(call: (l: EngineListener) => void): void {
    for (const listener of this.listeners) {
      try {
        call(listener);
      } catch (e) {
        this.ctx.log(`an engine listener failed: ${(e as Error).message}`);
      }
    }
  }

  private observe(name: string): void {
    const previous = this.observing.get(name) ?? Promise.resolve();
    const next: Promise<void> = previous
      .then(() => this.observeNow(name))
      .catch((e: unknown) => this.ctx.log(`cannot read the state of "${name}": ${toEngawaError(e).message}`))
      .then(() => {
        if (this.observing.get(name) === next) this.observing.delete(name);
      });
    this.observing.set(name, next);
  }

  private async observeNow(name: string): Promise<void> {
    const services = await (await this.ctx.engine()).status(projectName(name));
    // checked after asking Docker, so an operation that began meanwhile wins
    const record = await this.ctx.store.read(name);
    if (record === undefined || record.pending !== undefined || (await this.ctx.busy(name)) || this.ctx.active.has(name)) return;
    const current = this.ctx.states.get(name) ?? record.state;
    this.ctx.states.set(name, nextState(current, { type: 'observed', services }));
  }

  private async connectionChanged(connected: boolean): Promise<void> {
    for (const record of await this.ctx.store.list()) {
      if (connected) this.observe(record.name);
      else if (!this.ctx.active.has(record.name)) this.ctx.states.set(record.name, 'unknown');
    }
  }
}

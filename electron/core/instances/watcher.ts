/**
 * Instance states from Docker's events, no polling: each event re-reads that instance's containers
 * (in event order, one queue per instance) and the state machine turns what they show into a state
 * for the state cache. While an operation runs on an instance (here or in another Engawa process)
 * its events are ignored: the operation tells its own states. When Docker goes away every instance
 * not being operated on becomes 'unknown'; when it is back, each is read again.
 */
import { toEngawaError } from '../util/errors';
import type { Subscription } from '../engine/types';
import { instanceOfProject, projectName, type InstanceContext } from './context';
import { nextState } from './state';
import type { StateListener } from './state-cache';

export class DockerWatcher {
  /** per-instance queue of observations, so results apply in event order */
  private readonly observing = new Map<string, Promise<void>>();

  constructor(private readonly ctx: InstanceContext) {}

  /** Calls `onChange` whenever an instance's state changes, until the subscription is closed; see the module comment. */
  watch(onChange: StateListener): Subscription {
    const unlisten = this.ctx.states.listen(onChange);
    let closed = false;
    let events: Subscription | undefined;
    this.ctx
      .engine()
      .then((engine) => {
        if (closed) return;
        events = engine.events(
          (e) => {
            const name = instanceOfProject(e.project);
            if (name !== undefined) this.observe(name);
          },
          (connected) => {
            this.connectionChanged(connected).catch((e: unknown) => this.ctx.log(`cannot list instances: ${toEngawaError(e).message}`));
          },
        );
      })
      .catch((e: unknown) => this.ctx.log(`cannot watch Docker: ${toEngawaError(e).message}`));
    return {
      close: () => {
        closed = true;
        unlisten();
        events?.close();
      },
    };
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

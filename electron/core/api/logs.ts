/**
 * Live log subscriptions: each belongs to one client, which alone receives its `logs.line`
 * events; it ends with `logs.end` when the stream stops by itself, and silently when the client
 * unsubscribes or disconnects.
 */
import { randomUUID } from 'node:crypto';
import type { LogsSubscribeInput } from '../../shared/contract';
import { EngawaError, toEngawaError } from '../util/errors';
import type { InstanceManager } from '../instances';
import type { ClientContext } from './types';

/** Lines of history sent before following, unless the client asks for another number. */
export const DEFAULT_LOG_TAIL = 200;

interface Subscription {
  client: string;
  controller: AbortController;
}

export class LogSubscriptions {
  private readonly subs = new Map<string, Subscription>();

  constructor(private readonly manager: Pick<InstanceManager, 'get' | 'logs'>) {}

  /** Starts following the instance's logs for `client`; NOT_FOUND at once for an unknown instance. */
  async subscribe(input: LogsSubscribeInput, client: ClientContext): Promise<{ subscriptionId: string }> {
    await this.manager.get(input.name);
    const subscriptionId = randomUUID();
    const controller = new AbortController();
    this.subs.set(subscriptionId, { client: client.id, controller });
    client.onClose(() => this.stop(subscriptionId));
    const opts = { follow: true, tail: input.tail ?? DEFAULT_LOG_TAIL, signal: controller.signal, ...(input.service && { service: input.service }) };
    this.manager
      .logs(input.name, opts, (line) => {
        if (!controller.signal.aborted) client.send('logs.line', { subscriptionId, line });
      })
      .then(
        () => this.ended(subscriptionId, client),
        (e: unknown) => this.ended(subscriptionId, client, e),
      );
    return { subscriptionId };
  }

  /** Stops a subscription of `client`; NOT_FOUND when it has no such subscription. */
  unsubscribe(subscriptionId: string, client: ClientContext): void {
    const sub = this.subs.get(subscriptionId);
    if (sub === undefined || sub.client !== client.id) {
      throw new EngawaError('NOT_FOUND', 'There is no such log subscription; it may have ended already.', { subscriptionId });
    }
    this.stop(subscriptionId);
  }

  /** Stops every subscription. */
  closeAll(): void {
    for (const id of [...this.subs.keys()]) this.stop(id);
  }

  private stop(subscriptionId: string): void {
    this.subs.get(subscriptionId)?.controller.abort();
    this.subs.delete(subscriptionId);
  }

  private ended(subscriptionId: string, client: ClientContext, e?: unknown): void {
    const sub = this.subs.get(subscriptionId);
    if (sub === undefined || sub.controller.signal.aborted) return; // unsubscribed: no event
    this.subs.delete(subscriptionId);
    client.send('logs.end', e === undefined ? { subscriptionId } : { subscriptionId, error: toEngawaError(e).toJSON() });
  }
}

/** A small typed event bus: broadcast events of the contract to every connected client. */
import type { ApiEventMessage, ApiEventName, ApiEvents } from '../../shared/contract';
import type { BusListener } from './types';

export class EventBus {
  private readonly listeners = new Set<BusListener>();

  constructor(private readonly log: (line: string) => void = () => {}) {}

  /** Sends `payload` to every listener except the client `except` (which was sent its own copy). */
  emit<E extends ApiEventName>(event: E, payload: ApiEvents[E], except?: string): void {
    const message = { event, payload } as ApiEventMessage;
    for (const listener of this.listeners) {
      try {
        listener(message, except);
      } catch (e) {
        this.log(`an event listener failed: ${(e as Error).message}`);
      }
    }
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: BusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

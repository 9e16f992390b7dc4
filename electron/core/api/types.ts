/**
 * How the core answers the contract: one handler per API method, a bus for broadcast events, and
 * a client context per connection (an Electron window or a browser tab) for events meant for one
 * client only (log lines, the once-shown admin password).
 */
import type { ApiEventMessage, ApiEventName, ApiEvents, ApiInput, ApiMethod, ApiOutput } from '../../shared/contract';

/** One connected client, as the dispatcher tells the handlers about it. */
export interface ClientContext {
  /** unique per connection */
  readonly id: string;
  /** pushes an event to this client only */
  send<E extends ApiEventName>(event: E, payload: ApiEvents[E]): void;
  /** runs `fn` when the client disconnects (at once if it already has) */
  onClose(fn: () => void): void;
}

/** Answers one method; `input` has already been validated against its schema. */
export type Handler<M extends ApiMethod> = (input: ApiInput<M>, client: ClientContext) => Promise<ApiOutput<M>>;

/** A handler for every method of the contract. */
export type Handlers = { [M in ApiMethod]: Handler<M> };

/** Receives every broadcast event; `except` names a client that must not get it (it got its own copy). */
export type BusListener = (message: ApiEventMessage, except?: string) => void;

/** The core as the transports see it. */
export interface Core {
  handlers: Handlers;
  /** events for every client */
  subscribe(listener: BusListener): () => void;
  /** stops watching Docker and ends every log subscription; running operations go on */
  close(): Promise<void>;
}

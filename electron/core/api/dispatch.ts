/**
 * The one dispatcher both transports use: `(method, input) → envelope`. It rejects unknown methods
 * (NOT_FOUND) and input that does not match the method's schema (INVALID_INPUT, naming the path
 * of the first problem), calls the core's handler and wraps whatever it throws in the envelope.
 * A session is one connected client: it receives broadcast events and its own events.
 */
import { randomUUID } from 'node:crypto';
import type { ApiEventMessage, ApiMethod, ApiResult } from '../../shared/contract';
import { API_METHODS } from '../../shared/contract';
import { EngawaError, toEngawaError } from '../util/errors';
import { INPUT_SCHEMAS } from './schemas';
import type { ClientContext, Core, Handler, Handlers } from './types';

const METHODS: ReadonlySet<string> = new Set(API_METHODS);

/** True when `method` names a method of the contract. */
export function isApiMethod(method: unknown): method is ApiMethod {
  return typeof method === 'string' && METHODS.has(method);
}

/** Validates `input` for `method`; INVALID_INPUT with `details.path` (e.g. "admin.email") and every issue. */
export function parseInput(method: ApiMethod, input: unknown): unknown {
  const parsed = INPUT_SCHEMAS[method].safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  const first = issues[0] ?? { path: '', message: 'not valid' };
  const where = first.path === '' ? 'the input' : `"${first.path}"`;
  throw new EngawaError('INVALID_INPUT', `The input of ${method} is not valid: ${where}: ${first.message}.`, { method, path: first.path, issues });
}

/** Answers one call: never throws, every failure is an error envelope. */
export async function dispatch(handlers: Handlers, method: unknown, input: unknown, client: ClientContext): Promise<ApiResult<unknown>> {
  try {
    if (!isApiMethod(method)) {
      throw new EngawaError('NOT_FOUND', `There is no API method "${String(method)}".`, { method: String(method) });
    }
    const valid = parseInput(method, input);
    const handler = handlers[method] as Handler<ApiMethod>;
    return { ok: true, value: await handler(valid as never, client) };
  } catch (e) {
    return { ok: false, error: toEngawaError(e).toJSON() };
  }
}

/** One connected client of the core. */
export interface Session {
  readonly id: string;
  call(method: unknown, input: unknown): Promise<ApiResult<unknown>>;
  /** stops its events and ends what it subscribed to */
  close(): void;
}

/**
 * Connects a client: `send` receives the broadcast events (minus those the session got its own
 * copy of) and the events addressed to this client.
 */
export function openSession(core: Core, send: (message: ApiEventMessage) => void): Session {
  const id = randomUUID();
  const closers: (() => void)[] = [];
  let closed = false;
  const client: ClientContext = {
    id,
    send: (event, payload) => {
      if (!closed) send({ event, payload } as ApiEventMessage);
    },
    onClose: (fn) => {
      if (closed) fn();
      else closers.push(fn);
    },
  };
  const unsubscribe = core.subscribe((message, except) => {
    if (!closed && except !== id) send(message);
  });
  return {
    id,
    call: (method, input) => dispatch(core.handlers, method, input, client),
    close: () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      for (const fn of closers.splice(0)) fn();
    },
  };
}

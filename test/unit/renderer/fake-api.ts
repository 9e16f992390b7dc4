/**
 * A fake of the renderer's API for store tests: answers from a table, records every call, and
 * lets the test push events and connection changes as the host would.
 */
import type { ApiEventName, ApiEvents, ApiMethod, ApiOutput } from '../../../electron/shared/contract';
import { ApiCallError, type EngawaApi } from '../../../renderer/src/api/client';

type Answer = (input: unknown) => unknown;

export interface FakeApi extends EngawaApi {
  calls: { method: ApiMethod; input: unknown }[];
  answers: Partial<Record<ApiMethod, Answer>>;
  emit<E extends ApiEventName>(event: E, payload: ApiEvents[E]): void;
  connection(up: boolean): void;
  /** calls of one method */
  callsOf(method: ApiMethod): unknown[];
}

export function fakeApi(answers: Partial<{ [M in ApiMethod]: (input: unknown) => ApiOutput<M> | Promise<ApiOutput<M>> }> = {}): FakeApi {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const connection = new Set<(up: boolean) => void>();
  const api: FakeApi = {
    calls: [],
    answers: { ...answers } as Partial<Record<ApiMethod, Answer>>,
    async call(method, ...args) {
      api.calls.push({ method, input: args[0] });
      const answer = api.answers[method];
      if (answer === undefined) throw new ApiCallError('NOT_FOUND', `fake: no answer for ${method}`);
      return (await answer(args[0])) as never;
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener as (p: unknown) => void);
      return () => set.delete(listener as (p: unknown) => void);
    },
    onConnection(listener) {
      connection.add(listener);
      return () => connection.delete(listener);
    },
    emit(event, payload) {
      for (const l of listeners.get(event) ?? []) l(payload);
    },
    connection(up) {
      for (const l of connection) l(up);
    },
    callsOf: (method) => api.calls.filter((c) => c.method === method).map((c) => c.input),
  };
  return api;
}

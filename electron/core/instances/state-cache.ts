/**
 * The one cache of instance states: the last state told to listeners, by instance, and the
 * listeners. The manager owns it; its operations (its own and those run through `runOperation`)
 * and the Docker watcher write it, and the core reads it for `instances.list` and pushes what
 * listeners hear as `instance.state`, so the window, the tray and `list` agree on one state.
 */
import type { InstanceState } from './types';

export type StateListener = (name: string, state: InstanceState) => void;

export class StateCache {
  private readonly known = new Map<string, InstanceState>();
  private readonly listeners = new Set<StateListener>();

  constructor(private readonly log: (line: string) => void = () => {}) {}

  /** The last state told to listeners, undefined when none was (read the record then). */
  get(name: string): InstanceState | undefined {
    return this.known.get(name);
  }

  has(name: string): boolean {
    return this.known.has(name);
  }

  /** Remembers `state` and tells every listener, unless it is what they were last told. */
  set(name: string, state: InstanceState): void {
    if (this.known.get(name) === state) return;
    this.known.set(name, state);
    for (const listener of this.listeners) {
      try {
        listener(name, state);
      } catch (e) {
        this.log(`a state listener failed: ${(e as Error).message}`);
      }
    }
  }

  /** Forgets an instance that is gone (listeners are not told: its record is gone too). */
  forget(name: string): void {
    this.known.delete(name);
  }

  /** Adds a listener; the function returned removes it. */
  listen(listener: StateListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}

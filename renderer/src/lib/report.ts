/**
 * Starting a promise from a place that cannot wait for it: an effect, an event handler, a pushed
 * event. The store's loads and the components' own checks already put their failures in the state
 * the UI shows (a Loadable's error, an ErrorNotice), so what still rejects here is unexpected; it
 * goes to the console with what was being done, never nowhere. Where the caller has an error
 * display for a call that does reject (settings.set, instances.create), it uses its own .catch.
 */

/** Runs `promise` to its end; a rejection is logged as "<what> failed". */
export function fireAndReport(promise: Promise<unknown>, what: string): void {
  promise.catch((e: unknown) => console.error(`${what} failed:`, e));
}

/**
 * Waits until every promise has settled, then rejects with the first rejection, if any. Unlike
 * `Promise.all`, nothing is still running when it rejects: a caller that cleans up after a
 * failure does not race work that is still under way.
 */
export async function settled(promises: readonly Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(promises)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

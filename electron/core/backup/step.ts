/** Runs a function as a progress step: start, then done (with an optional detail) or failed. */
import type { ProgressSink } from '../progress';

export async function step<T>(onProgress: ProgressSink | undefined, name: string, fn: () => Promise<T>, detail?: (r: T) => string | undefined): Promise<T> {
  onProgress?.({ kind: 'step', step: name, state: 'start' });
  try {
    const r = await fn();
    const d = detail?.(r);
    onProgress?.({ kind: 'step', step: name, state: 'done', ...(d !== undefined && { detail: d }) });
    return r;
  } catch (e) {
    onProgress?.({ kind: 'step', step: name, state: 'failed' });
    throw e;
  }
}

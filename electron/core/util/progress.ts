/** Progress of a long operation, pushed to the CLI, the renderer and the logs. */
export type Progress =
  | { kind: 'step'; step: string; state: 'start' | 'done' | 'skipped' | 'failed'; detail?: string }
  | {
      kind: 'pull';
      image: string;
      /** bytes done and total across all layers seen so far (total grows as layers are announced) */
      current: number;
      total: number;
      layersDone: number;
      layers: number;
      status: string;
    }
  | { kind: 'health'; service: string; health: string }
  | { kind: 'log'; line: string }
  /** bytes written or read by a step that is not a pull (backup, restore); `total` 0 when unknown */
  | { kind: 'bytes'; step: string; current: number; total: number };

export type ProgressSink = (p: Progress) => void;

export const noProgress: ProgressSink = () => {};

/** Runs `fn` as a progress step: start, then done (with an optional detail) or failed, rethrowing. */
export async function asStep<T>(onProgress: ProgressSink | undefined, name: string, fn: () => Promise<T>, detail?: (r: T) => string | undefined): Promise<T> {
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

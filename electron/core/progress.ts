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

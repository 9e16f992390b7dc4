/**
 * Folds the JSON objects of Docker's pull stream into one `pull` Progress event: bytes downloaded
 * and announced across layers, layers finished, and a phase. Pure; `throttle` keeps the UI calm.
 */
import type { Progress } from '../util/progress';
import { classifyPullError } from './classify';

/** One object of the engine's pull stream (`POST /images/create`). */
export interface PullStreamEvent {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
}

export type PullProgress = Extract<Progress, { kind: 'pull' }>;

/**
 * The aggregator's `status` values (stable words for the UI to translate):
 * 'resolving' before any layer is known, 'downloading' while a layer is downloading or waiting,
 * 'extracting' once every download is complete, 'done' when the engine reports the image ready.
 */
export type PullPhase = 'resolving' | 'downloading' | 'extracting' | 'done';

interface Layer {
  /** compressed size; 0 until the engine tells us (never told for layers that already exist) */
  total: number;
  /** highest byte count seen while downloading (a retried download does not go backwards) */
  downloaded: number;
  downloadDone: boolean;
  /** extracted and registered, or already present */
  done: boolean;
}

/** Statuses that are about one layer; other statuses with an id (e.g. "Pulling from x", id = tag) are not. */
const LAYER_STATUS = /^(Pulling fs layer|Waiting|Downloading|Verifying Checksum|Download complete|Extracting|Pull complete|Already exists|Retrying in)/;

/** Tracks one image's pull. Feed it every stream object in order. */
export class PullAggregator {
  private readonly layers = new Map<string, Layer>();
  private finished = false;
  private phase: PullPhase = 'resolving';
  private last: PullProgress | undefined;

  constructor(readonly image: string) {}

  /**
   * Takes one stream object; returns the new progress when it changed, else undefined.
   * Throws the classified EngawaError (OFFLINE, IMAGE_MISSING, DISK_FULL, …) for an error object.
   */
  push(ev: PullStreamEvent): PullProgress | undefined {
    if (ev.error !== undefined || ev.errorDetail !== undefined) throw classifyPullError(ev, this.image);
    const status = ev.status ?? '';
    if (ev.id !== undefined && LAYER_STATUS.test(status)) this.updateLayer(ev.id, status, ev.progressDetail ?? {});
    else if (status.startsWith('Status: ')) this.finished = true;
    const next = this.snapshot;
    this.phase = next.status as PullPhase;
    const last = this.last;
    if (
      last &&
      next.current === last.current &&
      next.total === last.total &&
      next.layers === last.layers &&
      next.layersDone === last.layersDone &&
      next.status === last.status
    ) {
      return undefined;
    }
    this.last = next;
    return next;
  }

  /** The progress so far (bytes of layers that already exist are not counted: Docker does not say them). */
  get snapshot(): PullProgress {
    let current = 0;
    let total = 0;
    let layersDone = 0;
    let downloading = false;
    for (const l of this.layers.values()) {
      current += l.downloadDone ? l.total : l.downloaded;
      total += l.total;
      if (l.done) layersDone++;
      if (!l.downloadDone) downloading = true;
    }
    const layers = this.layers.size;
    // with every known layer finished the phase stays what it was until the engine's final "Status:"
    const status: PullPhase = this.finished ? 'done' : layersDone === layers ? this.phase : downloading ? 'downloading' : 'extracting';
    return { kind: 'pull', image: this.image, current, total, layersDone, layers, status };
  }

  private updateLayer(id: string, status: string, detail: { current?: number; total?: number }): void {
    let l = this.layers.get(id);
    if (!l) {
      l = { total: 0, downloaded: 0, downloadDone: false, done: false };
      this.layers.set(id, l);
    }
    const size = typeof detail.total === 'number' && detail.total > 0 ? detail.total : 0;
    switch (status) {
      case 'Downloading':
        l.total = Math.max(l.total, size);
        if (typeof detail.current === 'number') l.downloaded = Math.max(l.downloaded, detail.current);
        l.total = Math.max(l.total, l.downloaded);
        break;
      case 'Verifying Checksum':
      case 'Download complete':
        l.downloadDone = true;
        break;
      case 'Extracting':
        // extraction reads the compressed layer again: its total is the download size, its bytes are not new
        l.downloadDone = true;
        if (l.total === 0) l.total = size;
        break;
      case 'Pull complete':
      case 'Already exists':
        l.downloadDone = true;
        l.done = true;
        break;
      default: // Pulling fs layer, Waiting, Retrying in N seconds: nothing to count
    }
  }
}

/** A throttled function, plus `flush` (deliver a pending value now) and `cancel` (drop it). */
export type Throttled<T> = ((x: T) => void) & { flush(): void; cancel(): void };

/**
 * Calls `fn` at most once per `ms`: the first value at once, later ones at the end of the window.
 * The last value is always delivered (by the timer, or at once by `flush()`).
 */
export function throttle<T>(fn: (x: T) => void, ms: number): Throttled<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending: { value: T } | undefined;
  let lastRun = -Infinity;
  const run = (value: T) => {
    lastRun = Date.now();
    fn(value);
  };
  const fire = () => {
    timer = undefined;
    const p = pending;
    pending = undefined;
    if (p) run(p.value);
  };
  const call = (x: T) => {
    const wait = lastRun + ms - Date.now();
    if (wait <= 0 && timer === undefined) return run(x);
    pending = { value: x };
    timer ??= setTimeout(fire, Math.max(0, wait));
  };
  return Object.assign(call, {
    flush() {
      clearTimeout(timer);
      fire();
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
      pending = undefined;
    },
  });
}

/**
 * Making sure images are present: an image that exists locally is never pulled (a pull can fail
 * even for a present image when no registry answers); a missing one is pulled with progress. A
 * reference pinned by digest (`repository@sha256:…`, plan/digests.ts) exists locally only with
 * exactly that content, so an image present under the tag but with other content is pulled again.
 */
import type Dockerode from 'dockerode';
import { EngawaError } from '../util/errors';
import { noProgress, type ProgressSink } from '../util/progress';
import { classifyEngineError, classifyPullError } from './classify';
import { PullAggregator, throttle, type PullProgress, type PullStreamEvent } from './pull-progress';

/** How long a pull may go without any progress event before we call the registry unreachable. */
export const PULL_IDLE_TIMEOUT_MS = 3 * 60_000;

export interface EnsureImagesOptions {
  onProgress?: ProgressSink;
  signal?: AbortSignal;
  idleTimeoutMs?: number;
}

/** True when the image is present on the engine. */
export async function imageExists(docker: Dockerode, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return false;
    throw classifyEngineError(e);
  }
}

/** Pulls every image of `images` that is missing; see the module comment. */
export async function ensureImages(docker: Dockerode, images: readonly string[], opts: EnsureImagesOptions = {}): Promise<void> {
  const onProgress = opts.onProgress ?? noProgress;
  for (const ref of new Set(images)) {
    throwIfCancelled(opts.signal);
    const step = `image:${ref}`;
    if (await imageExists(docker, ref)) {
      onProgress({ kind: 'step', step, state: 'skipped', detail: 'present' });
      continue;
    }
    onProgress({ kind: 'step', step, state: 'start' });
    try {
      await pull(docker, ref, onProgress, opts.signal, opts.idleTimeoutMs ?? PULL_IDLE_TIMEOUT_MS);
      if (!(await imageExists(docker, ref))) {
        throw new EngawaError('IMAGE_MISSING', `Docker finished downloading ${ref} but the image is not there; try again.`, { image: ref });
      }
    } catch (e) {
      onProgress({ kind: 'step', step, state: 'failed' });
      throw e;
    }
    onProgress({ kind: 'step', step, state: 'done' });
  }
}

/** Throws CANCELLED when the signal has fired. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EngawaError('CANCELLED', 'The operation was cancelled.');
}

async function pull(docker: Dockerode, ref: string, onProgress: ProgressSink, signal: AbortSignal | undefined, idleMs: number): Promise<void> {
  const ctrl = new AbortController();
  let idle = false;
  const onAbort = (): void => ctrl.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      idle = true;
      ctrl.abort();
    }, idleMs);
  };
  const failure = (e: unknown): EngawaError => {
    if (idle) {
      return new EngawaError(
        'OFFLINE',
        `Downloading ${ref} made no progress for ${Math.round(idleMs / 1000)} seconds; check your internet connection and try again.`,
        { image: ref },
      );
    }
    if (signal?.aborted) return new EngawaError('CANCELLED', `Downloading ${ref} was cancelled.`, { image: ref });
    return classifyPullError(e, ref);
  };
  const aggregator = new PullAggregator(ref);
  const emit = throttle((p: PullProgress) => onProgress(p), 200);
  try {
    arm();
    let stream: NodeJS.ReadableStream;
    try {
      stream = await docker.pull(ref, { abortSignal: ctrl.signal });
    } catch (e) {
      throw failure(e);
    }
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err: unknown) => (err ? reject(failure(err)) : resolve()),
        (ev: PullStreamEvent) => {
          arm();
          try {
            const p = aggregator.push(ev);
            if (p) emit(p);
          } catch (e) {
            reject(e); // the aggregator classifies in-stream errors
            ctrl.abort();
          }
        },
      );
    });
    if (idle || signal?.aborted) throw failure(new Error('pull aborted'));
    emit.flush();
  } finally {
    emit.cancel();
    if (timer) clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

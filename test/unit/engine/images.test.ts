import { PassThrough } from 'node:stream';
import Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { ensureImages } from '../../../electron/core/engine/images';
import { isEngawaError } from '../../../electron/core/util/errors';
import type { Progress } from '../../../electron/core/util/progress';

/** A fake engine: `present` images inspect fine; `pull` is scripted per test. */
function fakeDocker(present: Set<string>, pull: (ref: string, opts: { abortSignal: AbortSignal }) => Promise<PassThrough>) {
  const pulls: string[] = [];
  const modem = new Dockerode({ socketPath: '/nonexistent' }).modem;
  const docker = {
    modem,
    getImage: (ref: string) => ({
      inspect: async () => {
        if (present.has(ref)) return { Id: ref };
        throw Object.assign(new Error('(HTTP code 404) no such image'), { statusCode: 404 });
      },
    }),
    pull: (ref: string, opts: { abortSignal: AbortSignal }) => {
      pulls.push(ref);
      return pull(ref, opts);
    },
  };
  return { docker: docker as unknown as Dockerode, pulls };
}

const lines = (s: PassThrough, objs: object[], end = true): void => {
  for (const o of objs) s.write(`${JSON.stringify(o)}\n`);
  if (end) s.end();
};

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('ensureImages', () => {
  it('never pulls a present image', async () => {
    const { docker, pulls } = fakeDocker(new Set(['a:1', 'b:2']), async () => new PassThrough());
    const progress: Progress[] = [];
    await ensureImages(docker, ['a:1', 'b:2', 'a:1'], { onProgress: (p) => progress.push(p) });
    expect(pulls).toEqual([]);
    expect(progress).toEqual([
      { kind: 'step', step: 'image:a:1', state: 'skipped', detail: 'present' },
      { kind: 'step', step: 'image:b:2', state: 'skipped', detail: 'present' },
    ]);
  });

  it('pulls a missing image with pull progress, then checks it is there', async () => {
    const present = new Set<string>();
    const { docker, pulls } = fakeDocker(present, async (ref) => {
      const s = new PassThrough();
      setImmediate(() => {
        present.add(ref);
        lines(s, [
          { status: 'Pulling from x', id: '1' },
          { status: 'Downloading', id: 'l1', progressDetail: { current: 5, total: 10 } },
          { status: 'Pull complete', id: 'l1' },
          { status: 'Status: Downloaded newer image for x:1' },
        ]);
      });
      return s;
    });
    const progress: Progress[] = [];
    await ensureImages(docker, ['x:1'], { onProgress: (p) => progress.push(p) });
    expect(pulls).toEqual(['x:1']);
    expect(progress[0]).toEqual({ kind: 'step', step: 'image:x:1', state: 'start' });
    expect(progress.some((p) => p.kind === 'pull' && p.image === 'x:1')).toBe(true);
    expect(progress.at(-1)).toEqual({ kind: 'step', step: 'image:x:1', state: 'done' });
  });

  it('classifies a rejected pull (no registry) and an in-stream error', async () => {
    const offline = fakeDocker(new Set(), async () => {
      throw Object.assign(new Error('(HTTP code 500) server error - Get "https://r/v2/": dial tcp: lookup r: no such host'), { statusCode: 500 });
    });
    const e1 = await caught(ensureImages(offline.docker, ['x:1']));
    expect(isEngawaError(e1, 'OFFLINE')).toBe(true);

    const missing = fakeDocker(new Set(), async () => {
      const s = new PassThrough();
      setImmediate(() => lines(s, [{ error: 'manifest for x:1 not found: manifest unknown', errorDetail: { message: 'manifest unknown' } }]));
      return s;
    });
    const e2 = await caught(ensureImages(missing.docker, ['x:1']));
    expect(isEngawaError(e2, 'IMAGE_MISSING')).toBe(true);
  });

  it('gives up with OFFLINE when a pull makes no progress', async () => {
    const { docker } = fakeDocker(new Set(), async (_ref, { abortSignal }) => {
      const s = new PassThrough();
      abortSignal.addEventListener('abort', () => s.destroy(new Error('aborted')));
      return s;
    });
    const err = await caught(ensureImages(docker, ['x:1'], { idleTimeoutMs: 20 }));
    expect(isEngawaError(err, 'OFFLINE')).toBe(true);
  });

  it('is cancelled by the signal, before and during a pull', async () => {
    const ctrl = new AbortController();
    const { docker } = fakeDocker(new Set(), async (_ref, { abortSignal }) => {
      const s = new PassThrough();
      abortSignal.addEventListener('abort', () => s.destroy(Object.assign(new Error('aborted'), { name: 'AbortError' })));
      setImmediate(() => ctrl.abort());
      return s;
    });
    expect(isEngawaError(await caught(ensureImages(docker, ['x:1'], { signal: ctrl.signal })), 'CANCELLED')).toBe(true);
    expect(isEngawaError(await caught(ensureImages(docker, ['x:1'], { signal: AbortSignal.abort() })), 'CANCELLED')).toBe(true);
  });
});

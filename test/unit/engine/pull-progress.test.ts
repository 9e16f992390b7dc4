import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isEngawaError } from '../../../electron/core/util/errors';
import { PullAggregator, throttle, type PullProgress, type PullStreamEvent } from '../../../electron/core/engine/pull-progress';

function fixture(name: string): PullStreamEvent[] {
  const text = readFileSync(fileURLToPath(new URL(`../../fixtures/pull/${name}.jsonl`, import.meta.url)), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as PullStreamEvent);
}

/** The download size of every layer the fixture downloads, as the engine announced it. */
function announcedBytes(events: PullStreamEvent[]): number {
  const sizes = new Map<string, number>();
  for (const ev of events) {
    if (ev.status === 'Downloading' && ev.id && ev.progressDetail?.total) sizes.set(ev.id, ev.progressDetail.total);
  }
  return [...sizes.values()].reduce((a, b) => a + b, 0);
}

function run(events: PullStreamEvent[], image = 'example/app:1.0'): { agg: PullAggregator; emitted: PullProgress[] } {
  const agg = new PullAggregator(image);
  const emitted: PullProgress[] = [];
  for (const ev of events) {
    const p = agg.push(ev);
    if (p) emitted.push(p);
  }
  return { agg, emitted };
}

describe('PullAggregator on a recorded three-layer pull', () => {
  const events = fixture('three-layers');

  it('ends complete with every downloaded byte counted once', () => {
    const { agg, emitted } = run(events);
    const bytes = announcedBytes(events);
    expect(bytes).toBeGreaterThan(0);
    expect(agg.snapshot).toEqual({ kind: 'pull', image: 'example/app:1.0', current: bytes, total: bytes, layersDone: 3, layers: 3, status: 'done' });
    expect(emitted.at(-1)).toEqual(agg.snapshot);
  });

  it('never goes backwards and never reports more than announced', () => {
    const { emitted } = run(events);
    expect(emitted.length).toBeGreaterThan(5);
    for (const [i, p] of emitted.entries()) {
      expect(p.current).toBeLessThanOrEqual(p.total);
      expect(p.layersDone).toBeLessThanOrEqual(p.layers);
      const prev = emitted[i - 1];
      if (!prev) continue;
      expect(p.current).toBeGreaterThanOrEqual(prev.current);
      expect(p.total).toBeGreaterThanOrEqual(prev.total);
      expect(p.layersDone).toBeGreaterThanOrEqual(prev.layersDone);
    }
  });

  it('moves through the phases in order', () => {
    const phases = run(events)
      .emitted.map((p) => p.status)
      .filter((s, i, a) => s !== a[i - 1]);
    expect(phases).toEqual(['resolving', 'downloading', 'extracting', 'done']);
  });

  it('counts an existing layer as done without bytes', () => {
    const agg = new PullAggregator('example/app:1.0');
    agg.push(events[0] as PullStreamEvent);
    expect(agg.snapshot).toMatchObject({ layers: 0, status: 'resolving' });
    agg.push(events[1] as PullStreamEvent);
    expect(agg.snapshot).toMatchObject({ layers: 1, layersDone: 1, current: 0, total: 0 });
  });

  it('does not count extraction as more bytes', () => {
    const agg = new PullAggregator('example/app:1.0');
    const firstExtract = events.findIndex((e) => e.status === 'Extracting');
    const afterExtract = events.findIndex((e, i) => i > firstExtract && e.status !== 'Extracting');
    events.slice(0, firstExtract).forEach((e) => agg.push(e));
    const before = agg.snapshot;
    events.slice(firstExtract, afterExtract).forEach((e) => agg.push(e));
    expect(agg.snapshot.current).toBe(before.current);
    expect(agg.snapshot.total).toBe(before.total);
  });

  it('returns nothing for events that change nothing', () => {
    const agg = new PullAggregator('example/app:1.0');
    agg.push({ status: 'Pulling fs layer', progressDetail: {}, id: 'aa' });
    expect(agg.push({ status: 'Waiting', progressDetail: {}, id: 'aa' })).toBeUndefined();
    expect(agg.push({ status: 'Digest: sha256:00' })).toBeUndefined();
  });
});

describe('PullAggregator, other streams', () => {
  it('reports an up-to-date image as done with nothing downloaded', () => {
    const { agg } = run(fixture('up-to-date'));
    expect(agg.snapshot).toMatchObject({ current: 0, total: 0, layers: 3, layersDone: 3, status: 'done' });
  });

  it('throws the classified error from an error object in the stream', () => {
    const events = fixture('disk-full');
    const agg = new PullAggregator('example/app:1.0');
    let thrown: unknown;
    try {
      for (const ev of events) agg.push(ev);
    } catch (e) {
      thrown = e;
    }
    expect(isEngawaError(thrown, 'DISK_FULL')).toBe(true);
    expect((thrown as Error).message).toContain('example/app:1.0');
    expect(agg.snapshot.status).toBe('extracting');
  });

  it('keeps the byte count when a download is retried from the start', () => {
    const agg = new PullAggregator('x:1');
    agg.push({ status: 'Downloading', progressDetail: { current: 600, total: 1000 }, id: 'l1' });
    agg.push({ status: 'Retrying in 5 seconds', progressDetail: {}, id: 'l1' });
    agg.push({ status: 'Downloading', progressDetail: { current: 100, total: 1000 }, id: 'l1' });
    expect(agg.snapshot.current).toBe(600);
    agg.push({ status: 'Downloading', progressDetail: { current: 800, total: 1000 }, id: 'l1' });
    expect(agg.snapshot.current).toBe(800);
  });

  it('learns a layer size from extraction when no download progress was shown', () => {
    const agg = new PullAggregator('x:1');
    agg.push({ status: 'Pulling fs layer', progressDetail: {}, id: 'l1' });
    agg.push({ status: 'Download complete', progressDetail: {}, id: 'l1' });
    agg.push({ status: 'Extracting', progressDetail: { current: 10, total: 321 }, id: 'l1' });
    expect(agg.snapshot).toMatchObject({ current: 321, total: 321, layersDone: 0 });
  });
});

describe('throttle', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('delivers the first value at once and only the last of a burst afterwards', () => {
    vi.useFakeTimers();
    const seen: number[] = [];
    const t = throttle((x: number) => seen.push(x), 100);
    t(1);
    t(2);
    t(3);
    expect(seen).toEqual([1]);
    vi.advanceTimersByTime(100);
    expect(seen).toEqual([1, 3]);
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual([1, 3]);
    t(4);
    expect(seen).toEqual([1, 3, 4]);
  });

  it('flush delivers the pending value now, cancel drops it', () => {
    vi.useFakeTimers();
    const seen: string[] = [];
    const t = throttle((x: string) => seen.push(x), 100);
    t('a');
    t('b');
    t.flush();
    expect(seen).toEqual(['a', 'b']);
    t.flush();
    expect(seen).toEqual(['a', 'b']);
    vi.advanceTimersByTime(100);
    t('c');
    t('d');
    t.cancel();
    vi.advanceTimersByTime(500);
    expect(seen).toEqual(['a', 'b', 'c']);
  });
});

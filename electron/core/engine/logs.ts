/**
 * Container logs as lines: Docker's multiplexed log stream (`timestamps: true`) demultiplexed,
 * split into lines and parsed into LogLines, for one service or all of a project.
 */
import type Dockerode from 'dockerode';
import { FrameDemuxer, LineSplitter, type StreamName } from './demux';
import type { LogLine } from './types';

/** Splits Docker's "2024-05-01T10:00:00.123456789Z message" into time and text. */
export function parseTimestamped(raw: string): { time: string; line: string } {
  const i = raw.indexOf(' ');
  const head = i < 0 ? raw : raw.slice(0, i);
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(head)) {
    return { time: head, line: i < 0 ? '' : raw.slice(i + 1) };
  }
  return { time: '', line: raw };
}

/** Orders log lines of several containers by time (stable for equal times). */
export function sortByTime<T extends { time: string }>(lines: T[]): T[] {
  // RFC 3339 with nanoseconds in UTC ('Z') compares correctly as text once fractions are aligned
  const key = (t: string): string => t.replace(/(\.\d+)?Z$/, (_m, frac: string | undefined) => `${(frac ?? '.').padEnd(10, '0')}Z`);
  return lines
    .map((l, i) => ({ l, i, k: key(l.time) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i))
    .map((x) => x.l);
}

/** Turns a (multiplexed, timestamped) log byte stream into LogLines. */
export class LogLineParser {
  private readonly demux = new FrameDemuxer();
  private readonly splitters: Record<StreamName, LineSplitter> = { stdout: new LineSplitter(), stderr: new LineSplitter() };

  constructor(private readonly service: string) {}

  push(chunk: Buffer): LogLine[] {
    const out: LogLine[] = [];
    for (const f of this.demux.push(chunk)) for (const raw of this.splitters[f.stream].push(f.data)) out.push(this.line(f.stream, raw));
    return out;
  }

  flush(): LogLine[] {
    return (['stdout', 'stderr'] as const).flatMap((s) => this.splitters[s].flush().map((raw) => this.line(s, raw)));
  }

  private line(stream: StreamName, raw: string): LogLine {
    return { service: this.service, stream, ...parseTimestamped(raw) };
  }
}

export interface ReadLogsOptions {
  tail?: number;
  follow?: boolean;
  /** ms since epoch */
  since?: number;
  signal?: AbortSignal;
}

/**
 * Reads the logs of `containers`. Without `follow`, all lines are delivered in time order and the
 * promise resolves; with `follow`, lines are delivered as they come until `signal` aborts (or every
 * container's stream ends).
 */
export async function readLogs(
  docker: Dockerode,
  containers: readonly { id: string; service: string }[],
  opts: ReadLogsOptions,
  onLine: (l: LogLine) => void,
): Promise<void> {
  const base = {
    stdout: true,
    stderr: true,
    timestamps: true,
    ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
    ...(opts.since !== undefined ? { since: Math.floor(opts.since / 1000) } : {}),
  };
  if (!opts.follow) {
    const all = await Promise.all(
      containers.map(async (c) => {
        const buf = (await docker.getContainer(c.id).logs({ ...base, follow: false })) as unknown as Buffer;
        const parser = new LogLineParser(c.service);
        return [...parser.push(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf))), ...parser.flush()];
      }),
    );
    for (const l of sortByTime(all.flat())) {
      if (opts.signal?.aborted) return;
      onLine(l);
    }
    return;
  }
  if (opts.signal?.aborted) return;
  const streams = await Promise.all(containers.map(async (c) => ({ c, s: await docker.getContainer(c.id).logs({ ...base, follow: true }) })));
  await Promise.all(
    streams.map(
      ({ c, s }) =>
        new Promise<void>((resolve) => {
          const parser = new LogLineParser(c.service);
          let done = false;
          const finish = (flush: boolean): void => {
            if (done) return;
            done = true;
            opts.signal?.removeEventListener('abort', onAbort);
            if (flush) parser.flush().forEach(onLine);
            resolve();
          };
          const onAbort = (): void => {
            finish(false);
            (s as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
          };
          if (opts.signal?.aborted) return onAbort();
          opts.signal?.addEventListener('abort', onAbort, { once: true });
          s.on('data', (chunk: Buffer) => {
            if (!done) parser.push(chunk).forEach(onLine);
          });
          s.on('end', () => finish(true));
          s.on('close', () => finish(true));
          s.on('error', () => finish(true));
        }),
    ),
  );
}

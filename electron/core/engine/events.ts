/**
 * Docker's event stream for Engawa's containers, normalised into EngineEvents, with reconnection:
 * when the stream ends (the engine restarted, Docker Desktop quit) we report "disconnected", retry
 * with backoff, and on reconnect ask for events `since` the last one seen so none are lost
 * (replayed duplicates are dropped).
 */
import type Dockerode from 'dockerode';
import { LineSplitter } from './demux';
import { type EngineEvent, type Subscription } from './types';
import { LABELS } from '../plan/types';

/** Container actions worth reporting (exec_*, attach, resize, archive copies … are noise). */
const ACTIONS = new Set(['create', 'start', 'restart', 'stop', 'kill', 'die', 'oom', 'pause', 'unpause', 'destroy', 'health_status', 'rename', 'update']);

/** The parts of a raw Docker event we read. */
export interface RawEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

/** Normalises one raw event; undefined for events that are not about a service container of ours. */
export function parseEvent(raw: RawEvent): EngineEvent | undefined {
  if (raw.Type !== undefined && raw.Type !== 'container') return undefined;
  const attrs = raw.Actor?.Attributes ?? {};
  const role = attrs[LABELS.role];
  if (role !== undefined && role !== 'service') return undefined;
  const project = attrs[LABELS.project];
  const service = attrs[LABELS.service];
  const full = raw.Action ?? raw.status ?? '';
  const action = full.split(':')[0]?.trim() ?? '';
  if (!project || !service || !ACTIONS.has(action)) return undefined;
  const event: EngineEvent = {
    project,
    service,
    containerId: raw.Actor?.ID ?? raw.id ?? '',
    action,
    time: raw.timeNano !== undefined ? Math.floor(raw.timeNano / 1e6) : (raw.time ?? 0) * 1000,
  };
  if (action === 'health_status') {
    const h = full.slice(full.indexOf(':') + 1).trim();
    if (h === 'healthy' || h === 'unhealthy' || h === 'starting') event.health = h;
  }
  if (attrs['exitCode'] !== undefined && /^-?\d+$/.test(attrs['exitCode'])) event.exitCode = Number(attrs['exitCode']);
  return event;
}

/**
 * Remembers where the stream got to: the newest event time and which events carried it, so a
 * reconnect with `since` (whole seconds) can drop what was already delivered.
 */
export class EventCursor {
  private lastNano = -1;
  private seenAtLast = new Set<string>();
  private floorSeconds: number | undefined;

  /** True when the event is new (and records it); false for a replayed one. */
  accept(raw: RawEvent): boolean {
    const nano = raw.timeNano ?? (raw.time ?? 0) * 1e9;
    const key = `${raw.Actor?.ID ?? raw.id ?? ''}|${raw.Action ?? raw.status ?? ''}`;
    if (nano < this.lastNano || (nano === this.lastNano && this.seenAtLast.has(key))) return false;
    if (nano > this.lastNano) {
      this.lastNano = nano;
      this.seenAtLast = new Set();
    }
    this.seenAtLast.add(key);
    return true;
  }

  /** Marks a moment (seconds) from which events must not be missed, used until one is seen. */
  markConnected(nowSeconds: number): void {
    this.floorSeconds ??= nowSeconds;
  }

  /** The `since` for the next connection (seconds), or undefined on the very first one. */
  since(): number | undefined {
    if (this.lastNano >= 0) return Math.floor(this.lastNano / 1e9);
    return this.floorSeconds;
  }
}

export interface WatchOptions {
  /** first retry delay, default 250 ms; doubles up to maxDelayMs (default 5 s) */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/** Subscribes to Docker events for Engawa containers until `close()`; see the module comment. */
export function watchEvents(
  docker: Pick<Dockerode, 'getEvents'>,
  onEvent: (e: EngineEvent) => void,
  onConnection?: (connected: boolean) => void,
  opts: WatchOptions = {},
): Subscription {
  const minDelay = opts.minDelayMs ?? 250;
  const maxDelay = opts.maxDelayMs ?? 5000;
  const cursor = new EventCursor();
  let delay = minDelay;
  let closed = false;
  let connected: boolean | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: NodeJS.ReadableStream | undefined;

  const report = (c: boolean): void => {
    if (connected === c) return;
    connected = c;
    onConnection?.(c);
  };

  const retry = (): void => {
    if (closed) return;
    report(false);
    timer = setTimeout(connectNow, delay);
    delay = Math.min(delay * 2, maxDelay);
  };

  const handleLine = (line: string): void => {
    if (line.trim() === '') return;
    let raw: RawEvent;
    try {
      raw = JSON.parse(line) as RawEvent;
    } catch {
      return;
    }
    if (!cursor.accept(raw)) return;
    const event = parseEvent(raw);
    if (event) onEvent(event);
  };

  /** Connects without waiting; anything unexpected counts as a lost connection (retried with back-off). */
  const connectNow = (): void => {
    connect().catch(() => retry());
  };

  const connect = async (): Promise<void> => {
    if (closed) return;
    const since = cursor.since();
    let stream: NodeJS.ReadableStream;
    try {
      stream = await docker.getEvents({
        filters: { type: ['container'], label: [`${LABELS.managed}=true`] },
        ...(since !== undefined ? { since } : {}),
      });
    } catch {
      retry();
      return;
    }
    if (closed) {
      destroy(stream);
      return;
    }
    current = stream;
    cursor.markConnected(Math.floor(Date.now() / 1000) - 1);
    delay = minDelay;
    report(true);
    const lines = new LineSplitter();
    let ended = false;
    const onEnd = (): void => {
      if (ended) return;
      ended = true;
      current = undefined;
      retry();
    };
    stream.on('data', (chunk: Buffer) => lines.push(chunk).forEach(handleLine));
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    stream.on('error', onEnd);
  };

  connectNow();
  return {
    close(): void {
      closed = true;
      if (timer) clearTimeout(timer);
      if (current) destroy(current);
      current = undefined;
    },
  };
}

function destroy(stream: NodeJS.ReadableStream): void {
  (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
}

/**
 * Docker's multiplexed stream format (non-TTY attach, exec and logs): frames of an 8-byte header
 * (stream type, 3 zero bytes, big-endian payload size) followed by the payload. Plus a line splitter
 * that keeps partial lines across chunks.
 */

export type StreamName = 'stdout' | 'stderr';

/** Incremental demultiplexer: feed chunks in any sizes, get whole frames out. */
export class FrameDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  /** Adds a chunk and returns the frames it completes (stdin echo frames are dropped). */
  push(chunk: Buffer): { stream: StreamName; data: Buffer }[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: { stream: StreamName; data: Buffer }[] = [];
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const type = this.pending[0];
      const data = this.pending.subarray(8, 8 + size);
      this.pending = this.pending.subarray(8 + size);
      if (type === 1 || type === 2) frames.push({ stream: type === 1 ? 'stdout' : 'stderr', data });
    }
    return frames;
  }
}

/** Demultiplexes a complete buffer into concatenated stdout and stderr. */
export function demuxBuffer(buf: Buffer): { stdout: Buffer; stderr: Buffer } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  for (const f of new FrameDemuxer().push(buf)) (f.stream === 'stdout' ? out : err).push(f.data);
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
}

/** Splits text arriving in chunks into lines ('\n' or '\r\n'); `flush` returns the unterminated rest. */
export class LineSplitter {
  private rest = '';
  private readonly decoder = new TextDecoder('utf-8');

  push(chunk: Buffer | string): string[] {
    const text = this.rest + (typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true }));
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }

  flush(): string[] {
    const last = this.rest + this.decoder.decode();
    this.rest = '';
    return last === '' ? [] : [last];
  }
}

/** The last `n` non-empty lines of `text`. */
export function lastLines(text: string, n: number): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '')
    .slice(-n);
}

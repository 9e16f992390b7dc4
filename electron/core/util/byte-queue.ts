/** A FIFO of byte chunks for stream parsers (age frames, tar headers): nothing is copied but what `take` returns. */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0;
  length = 0;

  push(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.length += b.length;
  }

  /** The first `n` bytes, removed from the queue (n ≤ length). */
  take(n: number): Buffer {
    const out = this.peek(n);
    this.skip(n);
    return out;
  }

  /** The first `n` bytes without removing them (n ≤ length). */
  peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length - this.head >= n) return first.subarray(this.head, this.head + n);
    const out = Buffer.allocUnsafe(n);
    let done = 0;
    for (let i = 0; done < n; i++) {
      const c = this.chunks[i] as Buffer;
      const from = i === 0 ? this.head : 0;
      const k = Math.min(c.length - from, n - done);
      c.copy(out, done, from, from + k);
      done += k;
    }
    return out;
  }

  /** Drops the first `n` bytes. */
  skip(n: number): void {
    this.length -= n;
    while (n > 0) {
      const c = this.chunks[0] as Buffer;
      const avail = c.length - this.head;
      if (avail > n) {
        this.head += n;
        return;
      }
      n -= avail;
      this.chunks.shift();
      this.head = 0;
    }
  }
}

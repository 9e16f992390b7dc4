import { describe, expect, it } from 'vitest';
import { demuxBuffer, FrameDemuxer, lastLines, LineSplitter } from '../../../electron/core/engine/demux';

const frame = (type: number, text: string): Buffer => {
  const body = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body]);
};

describe('FrameDemuxer', () => {
  it('separates stdout and stderr frames, however the bytes are chunked', () => {
    const all = Buffer.concat([frame(1, 'out1\n'), frame(2, 'err1\n'), frame(0, 'stdin echo'), frame(1, 'out2')]);
    for (const size of [1, 3, 8, 13, all.length]) {
      const d = new FrameDemuxer();
      const frames = [];
      for (let i = 0; i < all.length; i += size) frames.push(...d.push(all.subarray(i, i + size)));
      expect(frames.map((f) => [f.stream, f.data.toString()])).toEqual([
        ['stdout', 'out1\n'],
        ['stderr', 'err1\n'],
        ['stdout', 'out2'],
      ]);
    }
  });

  it('demuxBuffer concatenates each stream', () => {
    const { stdout, stderr } = demuxBuffer(Buffer.concat([frame(1, 'a'), frame(2, 'b'), frame(1, 'c')]));
    expect([stdout.toString(), stderr.toString()]).toEqual(['ac', 'b']);
  });
});

describe('LineSplitter', () => {
  it('keeps partial lines and multi-byte characters across chunks', () => {
    const s = new LineSplitter();
    const bytes = Buffer.from('one\r\ntw縁o\nthr');
    const lines = [];
    for (let i = 0; i < bytes.length; i++) lines.push(...s.push(bytes.subarray(i, i + 1)));
    expect(lines).toEqual(['one', 'tw縁o']);
    expect(s.flush()).toEqual(['thr']);
    expect(s.flush()).toEqual([]);
  });
});

describe('lastLines', () => {
  it('returns the last n non-blank lines', () => {
    expect(lastLines('a\n\nb\r\nc\n', 2)).toEqual(['b', 'c']);
    expect(lastLines('', 3)).toEqual([]);
  });
});

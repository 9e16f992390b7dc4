import { describe, expect, it } from 'vitest';
import { LogLineParser, parseTimestamped, sortByTime } from '../../../electron/core/engine/logs';

const frame = (type: number, text: string): Buffer => {
  const body = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body]);
};

describe('parseTimestamped', () => {
  it('splits the timestamp from the text', () => {
    expect(parseTimestamped('2024-05-01T10:00:00.123456789Z hello world')).toEqual({ time: '2024-05-01T10:00:00.123456789Z', line: 'hello world' });
    expect(parseTimestamped('2024-05-01T10:00:00Z')).toEqual({ time: '2024-05-01T10:00:00Z', line: '' });
  });
  it('leaves a line without a timestamp whole', () => {
    expect(parseTimestamped('no time here')).toEqual({ time: '', line: 'no time here' });
  });
});

describe('sortByTime', () => {
  it('orders by time with differing fraction lengths, stable for ties', () => {
    const lines = [
      { time: '2024-05-01T10:00:01Z', line: 'c' },
      { time: '2024-05-01T10:00:00.5Z', line: 'b' },
      { time: '2024-05-01T10:00:00.123456789Z', line: 'a' },
      { time: '2024-05-01T10:00:01Z', line: 'd' },
    ];
    expect(sortByTime(lines).map((l) => l.line)).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('LogLineParser', () => {
  it('turns multiplexed timestamped frames into LogLines', () => {
    const p = new LogLineParser('db');
    const bytes = Buffer.concat([
      frame(1, '2024-05-01T10:00:00Z ready\n2024-05-01T10:00:01Z part'),
      frame(2, '2024-05-01T10:00:02Z oops\n'),
      frame(1, 'ial\n'),
    ]);
    const out = [...p.push(bytes.subarray(0, 20)), ...p.push(bytes.subarray(20)), ...p.flush()];
    expect(out).toEqual([
      { service: 'db', stream: 'stdout', time: '2024-05-01T10:00:00Z', line: 'ready' },
      { service: 'db', stream: 'stderr', time: '2024-05-01T10:00:02Z', line: 'oops' },
      { service: 'db', stream: 'stdout', time: '2024-05-01T10:00:01Z', line: 'partial' },
    ]);
  });
});

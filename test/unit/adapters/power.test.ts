/** Wake from sleep and an unlocked screen reach the core's re-check, each with its reason; a failed re-check is logged, not thrown. */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { forwardWakeEvents } from '../../../electron/adapters/power';

describe('forwardWakeEvents', () => {
  it('re-checks on resume and on unlock-screen, and on nothing else', async () => {
    const power = new EventEmitter();
    const reasons: string[] = [];
    const lines: string[] = [];
    forwardWakeEvents(
      power,
      async (reason) => void reasons.push(reason),
      (l) => lines.push(l),
    );
    power.emit('suspend');
    power.emit('lock-screen');
    expect(reasons).toEqual([]);
    power.emit('resume');
    power.emit('unlock-screen');
    expect(reasons).toEqual(['the computer woke from sleep', 'the screen was unlocked']);
    expect(lines).toEqual(['the computer woke from sleep: re-checking the servers', 'the screen was unlocked: re-checking the servers']);
  });

  it('logs a re-check that fails instead of throwing from the event', async () => {
    const power = new EventEmitter();
    const lines: string[] = [];
    forwardWakeEvents(
      power,
      async () => {
        throw new Error('Docker is not running');
      },
      (l) => lines.push(l),
    );
    expect(() => power.emit('resume')).not.toThrow();
    await new Promise((r) => setImmediate(r));
    expect(lines.at(-1)).toBe('the re-check after "resume" failed: Docker is not running');
  });
});

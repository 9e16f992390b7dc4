import { describe, expect, it } from 'vitest';
import { settled } from '../../../electron/core/util/settled';

describe('settled', () => {
  it('rejects with the first rejection only after every promise has settled', async () => {
    let slowDone = false;
    const slow = new Promise<void>((resolve) => setTimeout(() => ((slowDone = true), resolve()), 50));
    const err = await settled([Promise.reject(new Error('first')), slow, Promise.reject(new Error('second'))]).catch((e: unknown) => e);
    expect((err as Error).message).toBe('first');
    expect(slowDone).toBe(true);
  });

  it('resolves when all resolve', async () => {
    await expect(settled([Promise.resolve(1), Promise.resolve()])).resolves.toBeUndefined();
  });
});

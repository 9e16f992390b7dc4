import { describe, expect, it } from 'vitest';
import { confirmsDeletion } from '../../../renderer/src/dashboard/delete-confirm';

describe('confirmsDeletion', () => {
  it('accepts the exact name only', () => {
    expect(confirmsDeletion('my-server', 'my-server')).toBe(true);
    for (const typed of ['', 'my-serve', 'my-server ', ' my-server', 'My-Server', 'my-server2']) expect(confirmsDeletion(typed, 'my-server')).toBe(false);
    expect(confirmsDeletion('', '')).toBe(false);
  });
});

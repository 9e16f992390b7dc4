import { describe, expect, it } from 'vitest';
import { keepPassphrase, MIN_PASSPHRASE, passphraseStrength } from '../../../electron/core/backup/passphrase';
import { MemorySecretStore } from '../../../electron/core/instances/secret-store';

describe('backup passphrases', () => {
  it('need at least 12 characters to be kept', async () => {
    expect(MIN_PASSPHRASE).toBe(12);
    const store = new MemorySecretStore();
    await expect(keepPassphrase(store, 'blog', 'elevenchars')).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('12') });
    await keepPassphrase(store, 'blog', 'twelve chars');
  });

  it.each([
    ['short', 'too-short'],
    ['aaaaaaaaaaaaaaaa', 'weak'],
    ['passwordpassword', 'weak'],
    ['correct horse battery', 'strong'],
    ['Tr4in-Station-9', 'strong'],
    ['hunter2hunter2', 'fair'],
  ] as const)('%s → %s', (p, strength) => {
    expect(passphraseStrength(p)).toBe(strength);
  });
});

/** Handle rules of a PDS's own handle domain, checked by Engawa before it asks the PDS. */
import { describe, expect, it } from 'vitest';
import { checkHandle, isReservedHandleName, OWNER_NAME_PATTERN } from '../../../electron/core/stacks/bluesky/handles';
import { RESERVED_HANDLE_NAMES } from '../../../electron/core/stacks/bluesky/reserved';
import { blueskyRecipe } from '../../../electron/core/stacks/bluesky/recipe';
import { validateSetting } from '../../../electron/core/stacks/validate';
import { isEngawaError } from '../../../electron/core/util/errors';

const DOMAIN = '.example.com';

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isEngawaError(e, 'INVALID_INPUT')) return e.message;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('checkHandle', () => {
  it('accepts a name or a full handle and returns the full lowercase handle', () => {
    const table: [string, string][] = [
      ['bob', 'bob.example.com'],
      ['bob.example.com', 'bob.example.com'],
      ['@Bob.Example.COM', 'bob.example.com'],
      [' carol ', 'carol.example.com'],
      ['b-b', 'b-b.example.com'],
      ['abc', 'abc.example.com'],
      ['a'.repeat(18), `${'a'.repeat(18)}.example.com`],
      ['2024', '2024.example.com'],
    ];
    for (const [input, handle] of table) expect(checkHandle(input, DOMAIN), input).toBe(handle);
  });

  it('refuses each handle the PDS refuses, saying why in one sentence', () => {
    const table: [string, RegExp][] = [
      ['ab', /3 to 18 characters/],
      ['a'.repeat(19), /3 to 18 characters/],
      ['', /3 to 18 characters/],
      ['-bob', /letters, digits and hyphens/],
      ['bob-', /letters, digits and hyphens/],
      ['bo_b', /letters, digits and hyphens/],
      ['böb', /letters, digits and hyphens/],
      ['admin', /Bluesky reserves the name "admin"/],
      ['PDS', /Bluesky reserves the name "pds"/],
      ['www.example.com', /Bluesky reserves the name "www"/],
      ['bob.pds.example.com', /end in \.example\.com, with one name in front/],
      ['bob.other.net', /end in \.example\.com/],
    ];
    for (const [input, why] of table) {
      const message = refusal(() => checkHandle(input, DOMAIN));
      expect(message, input).toMatch(why);
      expect(message.startsWith(`The handle "${input}" is not allowed: `)).toBe(true);
    }
  });
});

describe('the reserved names', () => {
  it('hold upstream’s names, lowercase, all of a length a handle could otherwise have', () => {
    for (const n of ['admin', 'pds', 'www', 'bsky', 'bluesky', 'support', 'owner', 'plc', 'xrpc']) expect(isReservedHandleName(n), n).toBe(true);
    for (const n of ['alice', 'bob', 'carol', 'engawa']) expect(isReservedHandleName(n), n).toBe(false);
    expect(RESERVED_HANDLE_NAMES.size).toBeGreaterThan(900);
    for (const n of RESERVED_HANDLE_NAMES) expect(n).toMatch(/^[a-z0-9][a-z0-9-]{1,16}[a-z0-9]$/);
  });
});

describe('the owner’s handle setting', () => {
  const spec = blueskyRecipe.settings?.find((s) => s.name === 'admin_user');

  it('uses the same rule as checkHandle for every name the admin user name allows', () => {
    expect(spec?.pattern).toBe(OWNER_NAME_PATTERN);
    const names = ['alice', 'ab', 'abc', 'admin', 'Admin', 'al_ice', 'x'.repeat(18), 'x'.repeat(19), 'pds', 'bob2', 'support', '123'];
    for (const name of names) {
      const byPattern = (() => {
        try {
          validateSetting(spec as NonNullable<typeof spec>, name);
          return true;
        } catch {
          return false;
        }
      })();
      const byCheck =
        name === name.toLowerCase() &&
        (() => {
          try {
            checkHandle(name, DOMAIN);
            return true;
          } catch {
            return false;
          }
        })();
      expect(byPattern, name).toBe(byCheck);
    }
  });
});

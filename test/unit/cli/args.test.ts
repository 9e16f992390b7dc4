import { describe, expect, it } from 'vitest';
import { parseCommand, parseSettings, UsageError } from '../../../electron/core/cli/args';

describe('--setting NAME=VALUE', () => {
  it('is accepted by create and plan, any number of times', () => {
    const c = parseCommand(['create', 'bluesky-pds', '--name', 'p', '--domain', 'example.com', '--setting', 'pds_prefix=', '--setting', 'a_b=x=y']);
    expect(parseSettings(c.options.setting as string[])).toEqual({ pds_prefix: '', a_b: 'x=y' });
    const p = parseCommand(['plan', 'bluesky-pds', '--domain', 'example.com', '--setting', 'pds_prefix=']);
    expect(parseSettings(p.options.setting as string[])).toEqual({ pds_prefix: '' });
    expect(parseSettings(undefined)).toEqual({});
  });

  it('refuses what is not NAME=VALUE, and a name given twice', () => {
    for (const bad of ['pds_prefix', '=x', 'PDS=x', '1a=x', 'a.b=x']) expect(() => parseSettings([bad]), bad).toThrow(UsageError);
    expect(() => parseSettings(['a=1', 'a=2'])).toThrow(/given twice/);
  });
});

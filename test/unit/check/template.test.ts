/** The check's templates and JSON paths (core/check/template.ts). */
import { describe, expect, it } from 'vitest';
import { fill, fillLenient, pick, pickAll, placeholders } from '../../../electron/core/check/template';

const WEBFINGER = {
  subject: 'acct:owner@social.example.com',
  links: [
    { rel: 'http://webfinger.net/rel/profile-page', type: 'text/html', href: 'https://social.example.com/@owner' },
    { rel: 'self', type: 'application/activity+json', href: 'https://social.example.com/users/owner' },
  ],
};

describe('pick and pickAll', () => {
  it.each([
    ['subject', 'acct:owner@social.example.com'],
    ['links[0].type', 'text/html'],
    ['links[rel=self,type=application/activity+json].href', 'https://social.example.com/users/owner'],
    ['links[rel=self,type=text/html].href', undefined],
    ['links[rel^=http://webfinger.net/].href', 'https://social.example.com/@owner'],
    ['links[5].href', undefined],
    ['missing.deeper', undefined],
    ['subject[0]', undefined],
    ['links[broken', undefined],
    ['links[noequals].href', undefined],
  ])('%s', (path, want) => {
    expect(pick(WEBFINGER, path)).toBe(want);
  });

  it('[] selects every item, and filters compare non-strings as JSON', () => {
    const repos = {
      repos: [
        { did: 'did:plc:a', active: true },
        { did: 'did:plc:b', active: false },
        { did: 'did:plc:c', active: true },
      ],
    };
    expect(pickAll(repos, 'repos[].did')).toEqual(['did:plc:a', 'did:plc:b', 'did:plc:c']);
    expect(pickAll(repos, 'repos[active=true].did')).toEqual(['did:plc:a', 'did:plc:c']);
    expect(pickAll(null, 'repos[].did')).toEqual([]);
  });
});

describe('fill', () => {
  it('fills every placeholder or names the first missing one', () => {
    expect(fill('https://{{host.pds}}/{{account.did}}', { 'host.pds': 'pds.example.com', 'account.did': 'did:plc:x' })).toEqual({
      ok: true,
      value: 'https://pds.example.com/did:plc:x',
    });
    expect(fill('{{capture.actor}} {{admin}}', { admin: 'owner' })).toEqual({ ok: false, missing: 'capture.actor' });
    expect(fill('resource={uri}', {})).toEqual({ ok: true, value: 'resource={uri}' });
  });

  it('for messages, an account value missing reads as the DID', () => {
    expect(fillLenient('The handle @{{account.handle}}', { 'account.did': 'did:plc:x' })).toBe('The handle @did:plc:x');
    expect(fillLenient('for {{admin}}', {})).toBe('for ?');
    expect(placeholders('a {{ x }} b {{y.z}}')).toEqual(['x', 'y.z']);
  });
});

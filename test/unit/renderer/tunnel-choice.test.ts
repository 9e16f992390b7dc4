/** The tunnel step's rules: what each mode needs before going on, zones and host names, the create input. */
import { describe, expect, it } from 'vitest';
import { choiceProblem, hostInZone, newChoice, signInLink, tunnelInput, zoneFor, type TunnelChoice } from '../../../renderer/src/wizard/tunnel-choice';
import { createInput, emptyDraft } from '../../../renderer/src/wizard/draft';
import type { StackInfo } from '../../../electron/shared/contract';

const zones = [
  { name: 'example.com', status: 'active', nameServers: [] },
  { name: 'waiting.example', status: 'pending', nameServers: ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'] },
];
const apiChoice = (patch: Partial<Extract<TunnelChoice, { mode: 'api' }>> = {}): TunnelChoice => ({
  mode: 'api',
  apiToken: 'tok',
  zones,
  zone: 'example.com',
  hostname: 'social.example.com',
  ...patch,
});

describe('hostInZone', () => {
  it('accepts the zone and one level below, refuses outside and deeper names', () => {
    expect(hostInZone('example.com', 'example.com')).toBeNull();
    expect(hostInZone(' Social.Example.com. ', 'example.com')).toBeNull();
    expect(hostInZone('social.example.org', 'example.com')).toBe('outside');
    expect(hostInZone('badexample.com', 'example.com')).toBe('outside');
    expect(hostInZone('a.b.example.com', 'example.com')).toBe('tooDeep');
  });

  it('zoneFor picks the longest zone that holds the host', () => {
    expect(zoneFor('social.example.com', [...zones, { name: 'social.example.com', status: 'active', nameServers: [] }])?.name).toBe('social.example.com');
    expect(zoneFor('x.example.com', zones)?.name).toBe('example.com');
    expect(zoneFor('x.other.org', zones)).toBeUndefined();
  });
});

describe('choiceProblem', () => {
  it('api mode needs a token, a verification, an active zone and a host inside it', () => {
    expect(choiceProblem(apiChoice())).toBeNull();
    expect(choiceProblem(apiChoice({ apiToken: ' ' }))).toBe('noApiToken');
    expect(choiceProblem(apiChoice({ zones: null }))).toBe('notVerified');
    expect(choiceProblem(apiChoice({ zone: '' }))).toBe('noZone');
    expect(choiceProblem(apiChoice({ zone: 'waiting.example', hostname: 'waiting.example' }))).toBe('zonePending');
    expect(choiceProblem(apiChoice({ hostname: 'social.example.org' }))).toBe('hostOutside');
    expect(choiceProblem(apiChoice({ hostname: 'a.b.example.com' }))).toBe('hostTooDeep');
  });

  it('token mode needs something shaped like a tunnel token and a host name', () => {
    const token = Buffer.from(JSON.stringify({ a: 'acc', t: 'id', s: 'secret' })).toString('base64');
    expect(choiceProblem({ mode: 'token', tunnelToken: token, hostname: 'example.com' })).toBeNull();
    expect(choiceProblem({ mode: 'token', tunnelToken: '', hostname: 'example.com' })).toBe('noTunnelToken');
    expect(choiceProblem({ mode: 'token', tunnelToken: 'cloudflared tunnel run --token x', hostname: 'example.com' })).toBe('badTunnelToken');
    expect(choiceProblem({ mode: 'token', tunnelToken: token, hostname: ' ' })).toBe('noHostname');
  });

  it('none and login need nothing more', () => {
    expect(choiceProblem(newChoice('none', 'example.com'))).toBeNull();
    expect(choiceProblem(newChoice('login', 'example.com'))).toBeNull();
    expect(choiceProblem(newChoice('api', 'example.com'))).toBe('noApiToken');
  });
});

describe('the create input', () => {
  const stack: StackInfo = {
    id: 'test-web',
    name: 'Test',
    version: '1',
    summary: { en: '', ja: '' },
    memoryMiB: 1,
    admin: { kind: 'none' },
    settings: [],
    requires: [],
    testOnly: true,
  };

  it('carries only the chosen mode\'s fields, cleaned, and nothing for "none"', () => {
    expect(tunnelInput(apiChoice({ apiToken: ' tok ', hostname: 'Social.Example.com.' }))).toEqual({
      mode: 'api',
      apiToken: 'tok',
      zone: 'example.com',
      hostname: 'social.example.com',
    });
    expect(tunnelInput({ mode: 'login', hostname: '' })).toEqual({ mode: 'login' });
    const draft = { ...emptyDraft(), stack: 'test-web', name: 'a', domain: 'example.com' };
    expect(createInput(draft, stack)).not.toHaveProperty('tunnel');
    expect(createInput({ ...draft, tunnel: apiChoice() }, stack).tunnel).toEqual({
      mode: 'api',
      apiToken: 'tok',
      zone: 'example.com',
      hostname: 'social.example.com',
    });
  });
});

describe('signInLink', () => {
  it('is the https detail of a step that waits, nothing else', () => {
    expect(signInLink([{ state: 'done', detail: 'https://x.example/a' }])).toBeNull();
    expect(signInLink([{ state: 'start', detail: 'javascript:alert(1)' }])).toBeNull();
    expect(signInLink([{ state: 'start', detail: 'http://dash.cloudflare.com/argotunnel' }])).toBeNull();
    expect(signInLink([{ state: 'start' }, { state: 'start', detail: 'https://dash.cloudflare.com/argotunnel?callback=x' }])).toBe(
      'https://dash.cloudflare.com/argotunnel?callback=x',
    );
  });
});

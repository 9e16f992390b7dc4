/** PDS host layouts: what Cloudflare's free certificate covers, and the plain refusal of the rest. */
import { describe, expect, it } from 'vitest';
import { checkPdsLayout, pdsHostnames, PDS_LAYOUTS } from '../../../electron/core/stacks/bluesky/hostnames';
import { isEngawaError } from '../../../electron/core/util/errors';

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isEngawaError(e, 'INVALID_INPUT')) return e.message;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('pdsHostnames', () => {
  it('puts the PDS on pds.<domain> by default and handles directly under the domain', () => {
    expect(PDS_LAYOUTS[0]).toBe('subdomain');
    expect(pdsHostnames('example.com')).toEqual({ layout: 'subdomain', pdsHost: 'pds.example.com', handleDomain: '.example.com' });
  });

  it('uses the domain itself in the apex layout', () => {
    expect(pdsHostnames('Example.COM.', 'apex')).toEqual({ layout: 'apex', pdsHost: 'example.com', handleDomain: '.example.com' });
  });

  it('produces layouts that checkPdsLayout accepts as what they are', () => {
    for (const layout of PDS_LAYOUTS) {
      const h = pdsHostnames('example.net', layout);
      expect(checkPdsLayout('example.net', h.pdsHost, h.handleDomain)).toBe(layout);
    }
  });
});

describe('checkPdsLayout', () => {
  it('accepts any first-level PDS name with handles under the zone', () => {
    expect(checkPdsLayout('example.com', 'bsky.example.com', '.example.com')).toBe('subdomain');
    expect(checkPdsLayout('EXAMPLE.com.', 'Example.com', '.example.com.')).toBe('apex');
  });

  it('refuses upstream’s handles under the PDS host, naming the certificate as the reason', () => {
    const message = refusal(() => checkPdsLayout('example.com', 'pds.example.com', '.pds.example.com'));
    expect(message).toContain('alice.pds.example.com');
    expect(message).toContain('certificate');
    expect(message).toContain('alice.example.com');
    expect(message.trim().split(/(?<=[.!?])\s+(?=[A-Z])/)).toHaveLength(1);
  });

  it('refuses a PDS host two levels below the zone', () => {
    expect(refusal(() => checkPdsLayout('example.com', 'pds.bsky.example.com', '.example.com'))).toContain('pds.bsky.example.com');
  });

  it('refuses names outside the zone', () => {
    expect(refusal(() => checkPdsLayout('example.com', 'pds.example.org', '.example.com'))).toContain('example.org');
    expect(refusal(() => checkPdsLayout('example.com', 'pds.example.com', '.other.net'))).toContain('other.net');
    expect(refusal(() => checkPdsLayout('example.com', 'notexample.com', '.example.com'))).toContain('notexample.com');
  });

  it('refuses a handle domain without its leading dot', () => {
    expect(refusal(() => checkPdsLayout('example.com', 'pds.example.com', 'example.com'))).toContain('must start with a dot');
    expect(refusal(() => checkPdsLayout('example.com', 'pds.example.com', '.'))).toContain('must start with a dot');
  });
});

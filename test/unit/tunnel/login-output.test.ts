/** cloudflared's output as its 2026.8.2 source prints it (see login-output.ts for the source of each). */
import { describe, expect, it } from 'vitest';
import {
  hasExistingCert,
  isMissingCert,
  isRecordTaken,
  parseCreatedTunnel,
  parseLoginUrl,
  parseRouteResult,
  parseTunnelList,
} from '../../../electron/core/tunnel/login-output';

const ID = '6ff42ae2-765d-4adf-8112-31c55c1551ef';
const LINK = 'https://dash.cloudflare.com/argotunnel?aud=&callback=https%3A%2F%2Flogin.cloudflareaccess.org%2FMAxI9vv-XnavcbLD_7YAVwltNyzbmAzvPZSvjWaWcTM%3D';

describe('tunnel login', () => {
  it('finds the link alone on its line, in either wording, and nothing else', () => {
    const printed = `Please open the following URL and log in with your Cloudflare account:\n\n${LINK}\n\nLeave cloudflared running to download the cert automatically.\n`;
    expect(printed.split('\n').map(parseLoginUrl).filter(Boolean)).toEqual([LINK]);
    const opened = `A browser window should have opened at the following URL:\n\n${LINK}\n\nIf the browser failed to open, please visit the URL above directly in your browser.\n`;
    expect(opened.split('\n').map(parseLoginUrl).filter(Boolean)).toEqual([LINK]);
    expect(parseLoginUrl('2026-08-20T10:00:00Z INF see https://developers.cloudflare.com/ for help')).toBeUndefined();
  });

  it('recognises an earlier sign-in', () => {
    const line =
      '2026-08-20T10:00:00Z ERR You have an existing certificate at /home/nonroot/.cloudflared/cert.pem which login would overwrite.\nIf this is intentional, please move or delete that file then run this command again.\n error=<nil>';
    expect(hasExistingCert(line)).toBe(true);
    expect(hasExistingCert('2026-08-20T10:00:00Z INF You have successfully logged in.')).toBe(false);
  });
});

describe('commands that need the sign-in', () => {
  it('tell a missing cert.pem from other failures', () => {
    expect(isMissingCert('2026-08-20T10:00:00Z ERR Cannot determine default origin certificate path. No file cert.pem in [~/.cloudflared]')).toBe(true);
    expect(isMissingCert("client didn't specify origincert path")).toBe(true);
    expect(isMissingCert('Cannot find a valid certificate for your origin at the path:\n\n    /x/cert.pem')).toBe(true);
    expect(isMissingCert('failed to create tunnel: Create Tunnel API call failed: tunnel with name already exists')).toBe(false);
  });

  it('tunnel create: the name and id from the last line', () => {
    const out = `Tunnel credentials written to /home/nonroot/.cloudflared/${ID}.json. cloudflared chose this file based on where your origin certificate was found. Keep this file secret. To revoke these credentials, delete the tunnel.\n\nCreated tunnel engawa-s-abc123 with id ${ID}\n`;
    expect(parseCreatedTunnel(out)).toEqual({ name: 'engawa-s-abc123', id: ID });
    expect(parseCreatedTunnel('Tunnel credentials written to /x.json.')).toBeUndefined();
  });

  it("tunnel list --output json: tunnels, deleted ones marked, and Go's null for none", () => {
    const json = JSON.stringify(
      [
        { id: ID.toUpperCase(), name: 'a', created_at: '2026-08-20T10:00:00Z', deleted_at: '0001-01-01T00:00:00Z', connections: [] },
        { id: 'b7c5e0a4-1111-4b4b-9c9c-000000000001', name: 'b', created_at: '2026-08-20T10:00:00Z', deleted_at: '2026-08-21T10:00:00Z', connections: [] },
      ],
      null,
      2,
    );
    expect(parseTunnelList(json)).toEqual([
      { id: ID, name: 'a', deleted: false },
      { id: 'b7c5e0a4-1111-4b4b-9c9c-000000000001', name: 'b', deleted: true },
    ]);
    expect(parseTunnelList('null\n')).toEqual([]);
    expect(parseTunnelList('[]')).toEqual([]);
    expect(() => parseTunnelList('You can obtain more detailed information for each tunnel')).toThrow();
    expect(() => parseTunnelList('{"id":"x"}')).toThrow(/not a list/);
  });

  it('tunnel route dns: the record Cloudflare made and whether it changed', () => {
    expect(parseRouteResult(`2026-08-20T10:00:00Z INF Added CNAME social.example.com which will route to this tunnel tunnelID=${ID}`)).toEqual({
      name: 'social.example.com',
      change: 'new',
    });
    expect(parseRouteResult(`2026-08-20T10:00:00Z INF social.example.com is already configured to route to your tunnel tunnelID=${ID}`)).toEqual({
      name: 'social.example.com',
      change: 'unchanged',
    });
    expect(parseRouteResult('2026-08-20T10:00:00Z INF Social.Example.com updated to route to your tunnel')).toEqual({
      name: 'social.example.com',
      change: 'updated',
    });
    // outside the signed-in domain Cloudflare appends it: the caller compares names
    expect(parseRouteResult('INF Added CNAME r.other.org.example.com which will route to this tunnel')?.name).toBe('r.other.org.example.com');
    expect(parseRouteResult('Failed to add route: code: 1003')).toBeUndefined();
  });

  it('tunnel route dns: a record that is already there', () => {
    expect(isRecordTaken('Failed to add route: code: 1003, reason: An A, AAAA, or CNAME record with that host already exists.')).toBe(true);
    expect(isRecordTaken('Failed to add route: code: 1003, reason: An A, AAAA or CNAME record already exists with that host.')).toBe(true);
    expect(isRecordTaken('REST request failed: dial tcp: lookup api.cloudflare.com: no such host')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { cloudflareOptionsFromEnv } from '../../../electron/core/tunnel/api';

describe('ENGAWA_CLOUDFLARE_API_URL (where the API token is sent)', () => {
  it('accepts https anywhere and plain http only to this computer', () => {
    expect(cloudflareOptionsFromEnv({})).toEqual({});
    for (const ok of [
      'https://api.example.com/client/v4',
      'http://127.0.0.1:9999/client/v4',
      'http://localhost:1/x',
      'http://[::1]:2/x',
      'http://127.3.2.1/x',
    ]) {
      expect(cloudflareOptionsFromEnv({ ENGAWA_CLOUDFLARE_API_URL: ok })).toEqual({ apiUrl: ok });
    }
  });

  it('refuses plain http elsewhere, other schemes and what is not an address', () => {
    for (const bad of ['http://evil.example/client/v4', 'http://10.0.0.1/x', 'ftp://127.0.0.1/x', 'file:///etc/passwd', 'not a url']) {
      expect(() => cloudflareOptionsFromEnv({ ENGAWA_CLOUDFLARE_API_URL: bad }), bad).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });
});

import { describe, expect, it } from 'vitest';
import { DIGESTS, imageToRun, pinnedImage, repositoryOf } from '../../../electron/core/plan/digests';
import { officialImages, parseImageName, resolveDigest, withTable } from '../../../scripts/pin-digests';
import { listRecipes } from '../../../electron/core/stacks/registry';
import { recipeAt, releasesOf } from '../../../electron/core/stacks/releases';
import { CLOUDFLARED_IMAGE } from '../../../electron/core/tunnel/connector';

const D1 = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'b'.repeat(64)}`;

describe('images by digest', () => {
  it('pins an image whose digest is recorded to repository@digest, and leaves the others as tagged', () => {
    const table = { 'ghcr.io/mastodon/mastodon:v4.7.4': D1, 'registry.local:5000/x/y:1': D2 };
    expect(pinnedImage('ghcr.io/mastodon/mastodon:v4.7.4', table)).toBe(`ghcr.io/mastodon/mastodon@${D1}`);
    expect(pinnedImage('registry.local:5000/x/y:1', table)).toBe(`registry.local:5000/x/y@${D2}`); // a port is not a tag
    expect(pinnedImage('ghcr.io/mastodon/mastodon:v4.6.2', table)).toBe('ghcr.io/mastodon/mastodon:v4.6.2');
    expect(repositoryOf('busybox:1.37.0')).toBe('busybox');
    expect(repositoryOf('localhost:5000/busybox')).toBe('localhost:5000/busybox');
  });

  it('never pins an image the environment replaces (test images, mirrors)', () => {
    const table = { 'postgres:17-alpine': D1 };
    expect(imageToRun('postgres:17-alpine', { 'postgres:17-alpine': 'local/postgres:17' }, table)).toBe('local/postgres:17');
    expect(imageToRun('postgres:17-alpine', {}, table)).toBe(`postgres@${D1}`);
  });

  it('refuses a malformed recorded digest instead of running something else', () => {
    expect(() => pinnedImage('x:1', { 'x:1': 'sha256:nothex' })).toThrow(/not a sha256 digest/);
  });

  it('every recorded digest is well formed and names an image Engawa runs', () => {
    const images = new Set(officialImages());
    for (const [image, digest] of Object.entries(DIGESTS)) {
      expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(images.has(image), image).toBe(true);
    }
  });
});

describe('scripts/pin-digests.ts', () => {
  it('lists every official image of every release of every recipe, cloudflared and the probe helper', () => {
    const images = officialImages();
    expect(images).toContain(CLOUDFLARED_IMAGE);
    expect(images).toContain('busybox:1.37.0');
    for (const recipe of listRecipes().filter((r) => r.testOnly !== true))
      for (const release of releasesOf(recipe)) for (const s of recipeAt(recipe, release.version).services) expect(images).toContain(s.image);
    expect(new Set(images).size).toBe(images.length);
  });

  it('parses image names the way Docker does', () => {
    expect(parseImageName('busybox:1.37.0')).toEqual({ host: 'registry-1.docker.io', repository: 'library/busybox', tag: '1.37.0' });
    expect(parseImageName('cloudflare/cloudflared:2026.8.2')).toEqual({ host: 'registry-1.docker.io', repository: 'cloudflare/cloudflared', tag: '2026.8.2' });
    expect(parseImageName('docker.io/library/postgres:15')).toEqual({ host: 'registry-1.docker.io', repository: 'library/postgres', tag: '15' });
    expect(parseImageName('ghcr.io/mastodon/mastodon:v4.7.4')).toEqual({ host: 'ghcr.io', repository: 'mastodon/mastodon', tag: 'v4.7.4' });
    expect(parseImageName('127.0.0.1:5000/a/b:1')).toEqual({ host: '127.0.0.1:5000', repository: 'a/b', tag: '1' });
    expect(() => parseImageName('ghcr.io/mastodon/mastodon')).toThrow(/names no tag/);
    expect(() => parseImageName(`x@${D1}`)).toThrow(/already a digest/);
  });

  it('asks with an anonymous token when the registry wants one, over https, for the index digest', async () => {
    const asked: { url: string; auth?: string; accept?: string; method?: string }[] = [];
    const fake = (async (input: string | URL, init?: RequestInit) => {
      const url = String(input);
      const headers = (init?.headers ?? {}) as Record<string, string>;
      asked.push({
        url,
        ...(headers.Authorization && { auth: headers.Authorization }),
        ...(headers.Accept && { accept: headers.Accept }),
        ...(init?.method && { method: init.method }),
      });
      if (url.startsWith('https://ghcr.io/token')) return new Response(JSON.stringify({ token: 'anon' }), { status: 200 });
      if (headers.Authorization !== 'Bearer anon')
        return new Response(null, {
          status: 401,
          headers: { 'www-authenticate': 'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:mastodon/mastodon:pull"' },
        });
      return new Response(null, { status: 200, headers: { 'docker-content-digest': D1 } });
    }) as typeof fetch;
    expect(await resolveDigest('ghcr.io/mastodon/mastodon:v4.7.4', fake)).toBe(D1);
    expect(asked.map((a) => a.url)).toEqual([
      'https://ghcr.io/v2/mastodon/mastodon/manifests/v4.7.4',
      'https://ghcr.io/token?service=ghcr.io&scope=repository%3Amastodon%2Fmastodon%3Apull',
      'https://ghcr.io/v2/mastodon/mastodon/manifests/v4.7.4',
    ]);
    expect(asked[0]?.method).toBe('HEAD');
    expect(asked[0]?.accept).toMatch(/^application\/vnd\.oci\.image\.index\.v1\+json, application\/vnd\.docker\.distribution\.manifest\.list\.v2\+json/);
  });

  it('refuses an answer without a sha256 digest, and a registry that wants a real sign-in', async () => {
    const noDigest = (async () => new Response(null, { status: 200 })) as typeof fetch;
    await expect(resolveDigest('busybox:1.37.0', noDigest)).rejects.toThrow(/gave no sha256 digest/);
    const basic = (async () => new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="x"' } })) as typeof fetch;
    await expect(resolveDigest('busybox:1.37.0', basic)).rejects.toThrow(/asks for a sign-in/);
  });

  it('rewrites only the table of digests.ts', () => {
    const source =
      '// head\nexport const DIGESTS: Readonly<Record<string, string>> = {\n  // recorded by scripts/pin-digests.ts\n};\n\nexport function after() {}\n';
    const out = withTable(source, { 'z:1': D2, 'a:1': D1 });
    expect(out).toBe(
      `// head\nexport const DIGESTS: Readonly<Record<string, string>> = {\n  // recorded by scripts/pin-digests.ts\n  'a:1': '${D1}',\n  'z:1': '${D2}',\n};\n\nexport function after() {}\n`,
    );
  });
});

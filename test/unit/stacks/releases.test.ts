import { describe, expect, it } from 'vitest';
import { changedServices, checkReleases, compareReleases, dataMoves, recipeAt, releaseImages, updatePath } from '../../../electron/core/stacks/releases';
import { mastodonRecipe } from '../../../electron/core/stacks/mastodon/recipe';
import { misskeyRecipe } from '../../../electron/core/stacks/misskey/recipe';
import { blueskyRecipe } from '../../../electron/core/stacks/bluesky/recipe';
import type { Recipe } from '../../../electron/core/stacks/types';

/** A stack with four releases: 3.0 needs 2.0 first, 2.0 moves the database, 1.1 is a security release. */
function stack(): Recipe {
  return {
    id: 'demo',
    name: 'Demo',
    version: '3.0',
    summary: { en: '', ja: '' },
    memoryMiB: 1,
    secrets: [],
    volumes: [{ name: 'db', description: '', backup: 'data' }],
    services: [
      { name: 'db', image: 'pg:17', mounts: [{ volume: 'db', target: '/d' }] },
      { name: 'web', image: 'web:3', env: { A: '3', KEEP: 'k' }, ports: [{ container: 80, name: 'http' }] },
    ],
    setup: [],
    ingress: [],
    web: { service: 'web', port: 'http', healthPath: '/', publicHost: '{{domain}}' },
    admin: { kind: 'none' },
    releases: [
      { version: '3.0', from: ['2.0'] },
      { version: '2.0', dataMoves: ['db'], services: { web: { image: 'web:2', env: { A: '2' } } } },
      { version: '1.1', security: true, services: { db: { image: 'pg:15' }, web: { image: 'web:1.1', env: { A: null } } } },
      { version: '1.0', services: { db: { image: 'pg:15' }, web: { image: 'web:1', env: { A: null }, command: ['old'] } } },
    ],
  };
}

describe('releases', () => {
  it('plans an older release with its own images, env and command, and leaves the recipe as it was', () => {
    const r = stack();
    const old = recipeAt(r, '1.0');
    expect(old.version).toBe('1.0');
    expect(old.services.map((s) => s.image)).toEqual(['pg:15', 'web:1']);
    expect(old.services[1]?.env).toEqual({ KEEP: 'k' });
    expect(old.services[1]?.command).toEqual(['old']);
    expect(old.releases?.map((x) => x.version)).toEqual(['1.0']);
    expect(() => checkReleases(old)).not.toThrow();
    expect(r.services[1]?.image).toBe('web:3');
    expect(recipeAt(r, '3.0')).toBe(r);
    expect(releaseImages(r, '2.0')).toEqual({ db: 'pg:17', web: 'web:2' });
  });

  it('refuses a release it does not know, naming the ones it does', () => {
    expect(() => recipeAt(stack(), '0.9')).toThrow(/0\.9.*knows 3\.0, 2\.0, 1\.1, 1\.0/);
  });

  it('finds the fewest steps, through a required intermediate release', () => {
    const r = stack();
    expect(updatePath(r, '1.0')?.map((x) => x.version)).toEqual(['2.0', '3.0']);
    expect(updatePath(r, '1.0', '1.1')?.map((x) => x.version)).toEqual(['1.1']);
    expect(updatePath(r, '2.0')?.map((x) => x.version)).toEqual(['3.0']);
    expect(updatePath(r, '3.0')).toEqual([]);
    expect(compareReleases(r, '1.0', '3.0')).toBe(-1);
    expect(compareReleases(r, '3.0', '1.1')).toBe(1);
  });

  it('says which services change and which data must move', () => {
    const r = stack();
    expect(changedServices(r, '1.1', '2.0')).toEqual(['db', 'web']);
    expect(changedServices(r, '2.0', '3.0')).toEqual(['web']);
    expect(dataMoves(r, '1.0', '2.0')).toEqual(['db']);
    expect(dataMoves(r, '2.0', '3.0')).toEqual([]);
  });

  it('rejects inconsistent release lists as recipe bugs', () => {
    const bad = (f: (r: Recipe) => void): Recipe => {
      const r = stack();
      f(r);
      return r;
    };
    expect(() => checkReleases(bad((r) => (r.version = '4.0')))).toThrow(/newest release must be its version/);
    expect(() => checkReleases(bad((r) => r.releases?.push({ version: '1.0' })))).toThrow(/listed twice/);
    expect(() => checkReleases(bad((r) => ((r.releases ?? [])[0] = { version: '3.0', from: ['9.9'] })))).toThrow(/not an older release/);
    expect(() => checkReleases(bad((r) => ((r.releases ?? [])[1] = { version: '2.0', services: { nope: { image: 'x' } } })))).toThrow(/unknown service/);
    expect(() => checkReleases(bad((r) => ((r.releases ?? [])[1] = { version: '2.0', dataMoves: ['nope'] })))).toThrow(/unknown volume/);
  });

  it('the shipped stacks have consistent release lists that start at their pinned version', () => {
    for (const r of [mastodonRecipe, misskeyRecipe, blueskyRecipe]) {
      expect(() => checkReleases(r)).not.toThrow();
      for (const v of (r.releases ?? [{ version: r.version }]).map((x) => x.version)) expect(recipeAt(r, v).version).toBe(v);
    }
  });
});

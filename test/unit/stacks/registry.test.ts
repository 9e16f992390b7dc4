import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEngawaError } from '../../../electron/core/util/errors';
import { assertRecipe } from '../../../electron/core/stacks/assert-recipe';
import { getRecipe, listRecipes } from '../../../electron/core/stacks/registry';

const FIXTURE = fileURLToPath(new URL('../../fixtures/recipes/test-web.json', import.meta.url));
const fixture = () => JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>;

function errorOf(f: () => unknown) {
  try {
    f();
  } catch (e) {
    if (isEngawaError(e)) return e;
    throw e;
  }
  throw new Error('expected an EngawaError');
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'engawa-recipes-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
const file = async (name: string, content: unknown) => {
  const p = path.join(dir, name);
  await writeFile(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};

describe('registry', () => {
  it('loads extra recipe files after the shipped ones', () => {
    const all = listRecipes({ extraRecipeFiles: [FIXTURE] });
    expect(all.at(-1)!.id).toBe('test-web');
    expect(all.at(-1)!.testOnly).toBe(true);
    expect(getRecipe('test-web', { extraRecipeFiles: [FIXTURE] }).services.map((s) => s.name)).toEqual(['db', 'redis', 'web']);
  });

  it('answers NOT_FOUND with the known stacks', () => {
    const e = errorOf(() => getRecipe('nope', { extraRecipeFiles: [FIXTURE] }));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toMatch(/"nope".*test-web/);
  });

  it('refuses two recipes with the same id', () => {
    expect(errorOf(() => listRecipes({ extraRecipeFiles: [FIXTURE, FIXTURE] })).message).toMatch(/"test-web"/);
  });

  it('names the file for unreadable, malformed, mistyped or inconsistent recipes', async () => {
    const missing = path.join(dir, 'missing.json');
    const broken = await file('broken.json', '{ "id": ');
    const mistyped = await file('mistyped.json', { ...fixture(), memoryMiB: 'lots' });
    const inconsistent = await file('inconsistent.json', { ...fixture(), web: { service: 'nope', port: 'http', healthPath: '/', publicHost: '{{domain}}' } });
    for (const f of [missing, broken, mistyped, inconsistent]) {
      const e = errorOf(() => listRecipes({ extraRecipeFiles: [f] }));
      expect(e.code).toBe('INVALID_INPUT');
      expect(e.message).toContain(f);
    }
    expect(errorOf(() => listRecipes({ extraRecipeFiles: [mistyped] })).message).toContain('memoryMiB');
    expect(errorOf(() => listRecipes({ extraRecipeFiles: [inconsistent] })).message).toContain('"nope"');
  });
});

describe('assertRecipe', () => {
  it('accepts the test recipe', () => {
    expect(assertRecipe(fixture()).id).toBe('test-web');
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the recipe is edited as loose JSON
  type Json = any;
  const cases: [string, (r: Json) => unknown, string][] = [
    ['not an object', () => 42, 'the top level'],
    ['missing field', (r) => (delete r.web, r), 'web'],
    ['unknown field', (r) => ((r.services[2].dependOn = []), r), 'services[2].dependOn: unknown field'],
    ['wrong type deep down', (r) => ((r.services[0].healthcheck.intervalMs = '500'), r), 'services[0].healthcheck.intervalMs'],
    ['negative number', (r) => ((r.services[2].ports[0].container = -1), r), 'services[2].ports[0].container'],
    ['bad enum', (r) => ((r.volumes[1].backup = 'always'), r), 'volumes[1].backup'],
    ['secret kind without its size', (r) => ((r.secrets[0].kind = { type: 'alnum' }), r), 'secrets[0].kind.length'],
    ['bad env value', (r) => ((r.services[0].env.POSTGRES_DB = 5), r), 'services[0].env.POSTGRES_DB'],
    ['empty service list', (r) => ((r.services = []), r), 'services'],
    ['invalid pattern', (r) => ((r.settings = [{ name: 'x', description: 'x', default: '', pattern: '(' }]), r), 'settings[0].pattern'],
  ];
  it.each(cases)('%s: reports the path', (_name, breakIt, where) => {
    const e = errorOf(() => assertRecipe(breakIt(fixture())));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toContain(where);
  });
});

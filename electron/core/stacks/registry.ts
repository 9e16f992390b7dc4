/**
 * The stacks Engawa knows: the recipes shipped with the app plus recipe JSON files given by the
 * caller (the CLI reads them from ENGAWA_RECIPES; tests use test/fixtures/recipes). Pure apart from
 * reading the given files.
 */
import { readFileSync } from 'node:fs';
import { EngawaError, isEngawaError } from '../util/errors';
import { assertRecipe } from './assert-recipe';
import { plan } from './plan';
import { checkMaintenance } from './maintenance';
import type { Recipe } from './types';
import { mastodonRecipe } from './mastodon/recipe';
import { misskeyRecipe } from './misskey/recipe';
import { blueskyRecipe } from './bluesky/recipe';

/** Recipes shipped with the app (stacks/<id>/recipe.ts), in the order the wizard offers them. */
const SHIPPED: readonly Recipe[] = [mastodonRecipe, misskeyRecipe, blueskyRecipe];

export interface RegistryOptions {
  /** paths of recipe JSON files to add to the shipped ones */
  extraRecipeFiles?: string[];
}

/** Every known recipe: shipped ones first, then the extra files in the order given. */
export function listRecipes(opts: RegistryOptions = {}): Recipe[] {
  const all = [...SHIPPED, ...(opts.extraRecipeFiles ?? []).map(loadRecipeFile)];
  const seen = new Set<string>();
  for (const r of all) {
    if (seen.has(r.id)) throw new EngawaError('INVALID_INPUT', `Two recipes have the id "${r.id}"; remove one of them.`, { id: r.id });
    seen.add(r.id);
  }
  return all;
}

/** The recipe with this id, or NOT_FOUND listing the known stacks. */
export function getRecipe(id: string, opts: RegistryOptions = {}): Recipe {
  const all = listRecipes(opts);
  const found = all.find((r) => r.id === id);
  if (found === undefined) {
    const known = all.map((r) => r.id).join(', ') || 'none';
    throw new EngawaError('NOT_FOUND', `There is no stack "${id}" (known stacks: ${known}).`, { id, known: all.map((r) => r.id) });
  }
  return found;
}

/**
 * Reads one recipe JSON file and checks it: its structure (assertRecipe) and its internal
 * references (by planning it once with placeholder choices). Throws INVALID_INPUT naming the file.
 */
export function loadRecipeFile(file: string): Recipe {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new EngawaError('INVALID_INPUT', `Cannot read the recipe file ${file}: ${(e as Error).message}.`, { file }, { cause: e });
  }
  try {
    const recipe = assertRecipe(JSON.parse(text));
    const secrets = Object.fromEntries(recipe.secrets.map((s) => [s.name, `placeholder-${s.name}`]));
    plan(recipe, { instance: 'check', domain: 'example.com', secrets });
    checkMaintenance(recipe);
    return recipe;
  } catch (e) {
    const message = e instanceof SyntaxError || isEngawaError(e) ? e.message : String(e);
    throw new EngawaError('INVALID_INPUT', `The recipe file ${file} is not valid. ${message}`, { file }, { cause: e });
  }
}

/**
 * The check data of the shipped recipes: valid for assertRecipe (as a recipe read from JSON would
 * be), every placeholder one the check knows and found before it is used, ids unique, requests
 * only to the instance's names (https), its PLC directory or its relay. assertRecipe names a bad
 * check field by its path.
 */
import { describe, expect, it } from 'vitest';
import { placeholders } from '../../../electron/core/check/template';
import { assertRecipe } from '../../../electron/core/stacks/assert-recipe';
import { blueskyRecipe } from '../../../electron/core/stacks/bluesky/recipe';
import { mastodonRecipe } from '../../../electron/core/stacks/mastodon/recipe';
import { misskeyRecipe } from '../../../electron/core/stacks/misskey/recipe';
import type { CheckProbe, Recipe } from '../../../electron/core/stacks/types';

const RECIPES = [mastodonRecipe, misskeyRecipe, blueskyRecipe];

function templatesOf(p: CheckProbe): string[] {
  const e = p.expect;
  return [
    p.title,
    p.url,
    p.advice,
    ...(p.when ? [p.when.value] : []),
    ...Object.values(e.equals ?? {}),
    ...Object.values(e.contains ?? {}),
    ...(e.text ? [e.text] : []),
    ...(e.includes ? [e.includes] : []),
  ];
}

describe.each(RECIPES.map((r) => [r.id, r] as [string, Recipe]))('the check data of %s', (_id, recipe) => {
  const check = recipe.check!;

  it('is there and valid as JSON recipe data', () => {
    expect(check.probes.length).toBeGreaterThan(0);
    expect(() => assertRecipe(JSON.parse(JSON.stringify(recipe)))).not.toThrow();
  });

  it('uses only placeholders the check knows, each found before it is used', () => {
    const captured = new Set<string>();
    const perAccount = new Set<string>();
    let accounts = false;
    for (const p of check.probes) {
      const known = new Set([
        'domain',
        'admin',
        'plc',
        'relay',
        ...Object.keys(recipe.hosts ?? {}).map((h) => `host.${h}`),
        ...[...captured].map((c) => `capture.${c}`),
      ]);
      if (p.each === 'account') {
        expect(accounts, `${p.id} runs per account after a probe that lists them`).toBe(true);
        known.add('account.did');
        for (const c of perAccount) known.add(`account.${c}`);
      }
      for (const t of templatesOf(p)) for (const ph of placeholders(t)) expect(known, `${p.id}: {{${ph}}} in "${t}"`).toContain(ph);
      for (const c of Object.keys(p.capture ?? {})) (p.each === 'account' ? perAccount : captured).add(c);
      if (p.accounts !== undefined) accounts = true;
    }
  });

  it('asks only the instance’s own names over https, or its PLC directory or relay', () => {
    for (const p of check.probes) {
      const target = p.target ?? 'public';
      if (target === 'plc') expect(p.url, p.id).toMatch(/^\{\{plc\}\}\//);
      else if (target === 'relay') expect(p.url, p.id).toMatch(/^\{\{relay\}\}\//);
      else expect(p.url, p.id).toMatch(/^(https:\/\/(\{\{(domain|host\.\w+|account\.handle)\}\})\/|\{\{capture\.\w+\}\}$)/);
    }
  });

  it('has unique ids, and advice that reads as the end of a sentence', () => {
    const ids = check.probes.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of check.probes) {
      expect(p.advice, p.id).toMatch(/^[a-z].*[^.]$/);
      expect(p.adviceKey, p.id).toMatch(/^[a-z][a-z-]*$/);
    }
  });
});

describe('assertRecipe on check data', () => {
  const withProbe = (change: (p: Record<string, unknown>) => void): unknown => {
    const r = JSON.parse(JSON.stringify(mastodonRecipe)) as { check: { probes: Record<string, unknown>[] } };
    change(r.check.probes[1] as Record<string, unknown>);
    return r;
  };
  it.each([
    ['an unknown field', (p: Record<string, unknown>) => (p.retries = 3), /check\.probes\[1\]\.retries: unknown field/],
    ['an unknown asker', (p: Record<string, unknown>) => (p.as = 'robot'), /check\.probes\[1\]\.as: expected one of "browser", "fediverse", "atproto"/],
    [
      'a bad content type pattern',
      (p: Record<string, unknown>) => ((p.expect as Record<string, unknown>).contentType = '(json'),
      /check\.probes\[1\]\.expect\.contentType: expected a valid regular expression/,
    ],
    ['a missing advice', (p: Record<string, unknown>) => delete p.advice, /check\.probes\[1\]\.advice: expected a value/],
  ])('names %s by its path', (_name, change, message) => {
    expect(() => assertRecipe(withProbe(change))).toThrow(message);
  });

  it('accepts a recipe without check data', () => {
    const { check: _check, ...rest } = mastodonRecipe;
    expect(() => assertRecipe(JSON.parse(JSON.stringify(rest)))).not.toThrow();
  });
});

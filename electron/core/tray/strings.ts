/**
 * The shell's strings (tray, notifications, dialogs) come from the renderer's JSON catalogues
 * (renderer/src/i18n/<lang>.json), so each language has one catalogue. This is a tiny reader of
 * that format: dotted keys, `{{name}}` placeholders as i18next writes them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** A parsed catalogue: nested objects of strings. */
export type Catalogue = { readonly [key: string]: string | Catalogue };

/** Looks a key up and fills in its placeholders. */
export type Translate = (key: string, vars?: Record<string, string | number>) => string;

/** The languages Engawa speaks. */
export const SHELL_LANGUAGES = ['en', 'ja'] as const;
export type ShellLanguage = (typeof SHELL_LANGUAGES)[number];

/** The chosen language, else the first supported system language, else English. */
export function pickLanguage(chosen: string | null | undefined, systemLanguages: readonly string[]): ShellLanguage {
  const supported = (code: string | null | undefined): code is ShellLanguage => SHELL_LANGUAGES.some((l) => l === code);
  if (supported(chosen)) return chosen;
  for (const tag of systemLanguages) {
    const base = tag.toLowerCase().split(/[-_]/)[0];
    if (supported(base)) return base;
  }
  return 'en';
}

/** Reads `<dir>/<language>.json`. */
export function loadCatalogue(dir: string, language: ShellLanguage): Catalogue {
  return JSON.parse(readFileSync(path.join(dir, `${language}.json`), 'utf8')) as Catalogue;
}

function lookup(catalogue: Catalogue, key: string): string | undefined {
  let node: string | Catalogue | undefined = catalogue;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = node[part];
  }
  return typeof node === 'string' ? node : undefined;
}

/** A translate function over `catalogue`, falling back to `fallback` and then to the key itself. */
export function translator(catalogue: Catalogue, fallback?: Catalogue): Translate {
  return (key, vars = {}) => {
    const text = lookup(catalogue, key) ?? (fallback && lookup(fallback, key)) ?? key;
    return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
  };
}

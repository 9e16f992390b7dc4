/** How the renderer picks its first language (renderer/src/i18n.ts), and that both locales match. */
import { describe, expect, it } from 'vitest';
import { LANGUAGES, pickLanguage } from '../../renderer/src/i18n';
import en from '../../renderer/src/locales/en.json';
import ja from '../../renderer/src/locales/ja.json';

/** Every key path of a nested translation object, sorted. */
function keys(obj: object, prefix = ''): string[] {
  return Object.entries(obj)
    .flatMap(([k, v]) => (typeof v === 'object' && v !== null ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]))
    .sort();
}

describe('pickLanguage', () => {
  it('follows the first supported system language, region ignored', () => {
    expect(pickLanguage(null, ['ja-JP', 'en-US'])).toBe('ja');
    expect(pickLanguage(null, ['en-GB', 'ja'])).toBe('en');
    expect(pickLanguage(null, ['fr-FR', 'JA'])).toBe('ja');
  });

  it('falls back to English when no system language is supported', () => {
    expect(pickLanguage(null, ['fr-FR', 'de'])).toBe('en');
    expect(pickLanguage(null, [])).toBe('en');
  });

  it('prefers a remembered choice, ignoring a remembered value that is not a language', () => {
    expect(pickLanguage('en', ['ja-JP'])).toBe('en');
    expect(pickLanguage('ja', ['en-US'])).toBe('ja');
    expect(pickLanguage('<script>', ['ja-JP'])).toBe('ja');
  });
});

describe('locales', () => {
  it('have the same keys in English and Japanese, none empty', () => {
    expect(keys(ja)).toEqual(keys(en));
    expect(LANGUAGES.map((l) => l.code).sort()).toEqual(['en', 'ja']);
    const values = (o: object): string[] => Object.values(o).flatMap((v) => (typeof v === 'string' ? [v] : values(v)));
    for (const v of [...values(en), ...values(ja)]) expect(v.trim()).not.toBe('');
  });
});

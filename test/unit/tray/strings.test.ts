/** The shell's catalogue reader: dotted keys, placeholders, fallbacks and the language choice. */
import { describe, expect, it } from 'vitest';
import { pickLanguage, translator } from '../../../electron/core/tray/strings';

describe('translator', () => {
  const t = translator({ a: { b: 'Hello {{name}}, {{ name }} and {{other}}' }, only: 'ja' }, { a: { c: 'fallback {{x}}' }, only: 'en' });

  it('looks up dotted keys and fills placeholders, leaving unknown ones', () => {
    expect(t('a.b', { name: 'Aiko' })).toBe('Hello Aiko, Aiko and {{other}}');
  });

  it('falls back to the second catalogue, then to the key', () => {
    expect(t('a.c', { x: 1 })).toBe('fallback 1');
    expect(t('only')).toBe('ja');
    expect(t('a.missing')).toBe('a.missing');
    expect(t('a')).toBe('a');
  });
});

describe('pickLanguage', () => {
  it('prefers the setting, then the first supported system language, then English', () => {
    expect(pickLanguage('en', ['ja-JP'])).toBe('en');
    expect(pickLanguage(null, ['fr-FR', 'ja_JP'])).toBe('ja');
    expect(pickLanguage(null, ['de'])).toBe('en');
    expect(pickLanguage('xx', [])).toBe('en');
  });
});

/**
 * Translations and the language. The language lives in the app's settings (so the tray and the
 * notifications follow it); `null` there means "as the system": the first supported language of
 * the OS / browser, else English. Until the settings have been read, the system language is used.
 */
import i18next, { type i18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './i18n/en.json';
import ja from './i18n/ja.json';

/** The languages Engawa speaks, each named in itself for the switcher. */
export const LANGUAGES = [
  { code: 'ja', label: '日本語' },
  { code: 'en', label: 'English' },
] as const;

export type Language = (typeof LANGUAGES)[number]['code'];

function isLanguage(value: string | null | undefined): value is Language {
  return LANGUAGES.some((l) => l.code === value);
}

/** The language to use: the chosen one, else the first supported system language, else English. */
export function pickLanguage(chosen: string | null | undefined, systemLanguages: readonly string[]): Language {
  if (isLanguage(chosen)) return chosen;
  for (const tag of systemLanguages) {
    const base = tag.toLowerCase().split(/[-_]/)[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

/** The browser's languages (navigator.languages), for the first guess. */
export function browserLanguages(): string[] {
  return [...(navigator.languages ?? []), navigator.language].filter((l): l is string => typeof l === 'string');
}

/** Switches the UI to `language` (and `<html lang>`) unless it is already shown. */
export async function applyLanguage(language: Language): Promise<void> {
  if (i18next.language !== language) await i18next.changeLanguage(language);
}

/** Initialises i18next for React in the system language. */
export async function initI18n(): Promise<i18n> {
  i18next.on('languageChanged', (lng) => {
    document.documentElement.lang = lng;
  });
  await i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, ja: { translation: ja } },
    lng: pickLanguage(null, browserLanguages()),
    fallbackLng: 'en',
    supportedLngs: LANGUAGES.map((l) => l.code),
    interpolation: { escapeValue: false }, // React escapes already
  });
  document.documentElement.lang = i18next.language;
  return i18next;
}

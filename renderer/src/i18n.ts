/**
 * Translations and the language choice. The first visit follows the system language
 * (`navigator.languages`); a choice made in the switcher is remembered in localStorage
 * (only the two-letter code) and wins from then on.
 */
import i18next, { type i18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './locales/en.json';
import ja from './locales/ja.json';

/** The languages Engawa speaks, each named in itself for the switcher. */
export const LANGUAGES = [
  { code: 'ja', label: '日本語' },
  { code: 'en', label: 'English' },
] as const;

export type Language = (typeof LANGUAGES)[number]['code'];

/** localStorage key holding the chosen language code. */
export const LANGUAGE_STORAGE_KEY = 'engawa.language';

function isLanguage(value: string | null | undefined): value is Language {
  return LANGUAGES.some((l) => l.code === value);
}

/** The language to start in: a remembered choice, else the first supported system language, else English. */
export function pickLanguage(remembered: string | null, systemLanguages: readonly string[]): Language {
  if (isLanguage(remembered)) return remembered;
  for (const tag of systemLanguages) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

function readRemembered(): string | null {
  try {
    return localStorage.getItem(LANGUAGE_STORAGE_KEY);
  } catch {
    return null; // storage disabled: fall back to the system language
  }
}

/** Switches the language, remembers the choice and updates `<html lang>`. */
export async function changeLanguage(language: Language): Promise<void> {
  await i18next.changeLanguage(language);
  try {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, language);
  } catch {
    // not remembered, but the switch itself worked
  }
}

/** Initialises i18next for React in the language picked from storage and the system. */
export async function initI18n(): Promise<i18n> {
  i18next.on('languageChanged', (lng) => {
    document.documentElement.lang = lng;
  });
  await i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, ja: { translation: ja } },
    lng: pickLanguage(readRemembered(), navigator.languages ?? [navigator.language]),
    fallbackLng: 'en',
    supportedLngs: LANGUAGES.map((l) => l.code),
    interpolation: { escapeValue: false }, // React escapes already
  });
  return i18next;
}

import { getContext, setContext } from 'svelte';
import { formatDate, formatInstant, translator, type Locale, type Translate } from '@medreg/i18n/browser';

const KEY = Symbol('i18n');

export interface I18n {
  locale: Locale;
  t: Translate;
  date: (iso: string | null | undefined) => string;
  instant: (iso: string | null | undefined) => string;
  number: (n: number) => string;
  /** The German or English of a catalogue name stored in both (e.g. an inspection type's name_de/name_en). */
  localized: (de: string | null, en: string | null) => string;
}

/** Called once by the root layout; every component then reads it with useI18n(). */
export function provideI18n(getLocale: () => Locale): void {
  const i18n: I18n = {
    get locale() {
      return getLocale();
    },
    t: (key, params) => translator(getLocale())(key, params),
    date: (iso) => formatDate(getLocale(), iso),
    instant: (iso) => formatInstant(getLocale(), iso),
    number: (n) => new Intl.NumberFormat(getLocale(), { maximumFractionDigits: 6 }).format(n),
    localized: (de, en) => (getLocale() === 'de' ? de : en) ?? '',
  };
  setContext(KEY, i18n);
}

export function useI18n(): I18n {
  return getContext<I18n>(KEY);
}

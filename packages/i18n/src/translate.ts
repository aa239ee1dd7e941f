import i18next, { type i18n } from 'i18next';
import type { Catalog } from './en.js';

// Translation without the messages (the package's "./browser" entry): index.ts adds both languages (the server);
// a page fetches its one (apps/web: routes/+layout.ts).

export const locales = ['de', 'en'] as const;
export type Locale = (typeof locales)[number];
export const defaultLocale: Locale = 'de';

export type { Catalog };

/** Dotted keys of the catalog, e.g. "errors.required". */
type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Leaves<T[K], `${P}${K}.`>;
}[keyof T & string];
export type MessageKey = Leaves<Catalog>;
export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

const loaded = new Map<Locale, Catalog>();
const instances = new Map<Locale, i18n>();

/** Makes a language's messages available (the server has both from the start; a browser loads its page's one). */
export function addCatalog(locale: Locale, catalog: Catalog): void {
  loaded.set(locale, catalog);
}

export const hasCatalog = (locale: Locale) => loaded.has(locale);

function instance(locale: Locale): i18n {
  let inst = instances.get(locale);
  if (!inst) {
    const catalog = loaded.get(locale);
    if (!catalog) throw new Error(`the ${locale} messages are not loaded`);
    inst = i18next.createInstance();
    // No fallback language: the types make German have every English key.
    void inst.init({
      lng: locale,
      fallbackLng: false,
      resources: { [locale]: { translation: catalog } },
      initAsync: false,
      interpolation: { escapeValue: false },
      returnNull: false,
    });
    instances.set(locale, inst);
  }
  return inst;
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (locales as readonly string[]).includes(value);
}

/** Both languages have the same keys: whichever is loaded answers. */
export function isMessageKey(value: string): value is MessageKey {
  const [locale] = loaded.keys();
  return locale !== undefined && instance(locale).exists(value);
}

/** A translate function bound to one locale. */
export function translator(locale: Locale): Translate {
  const inst = instance(locale);
  return (key, params) => inst.t(key, params ?? {}) as string;
}

/** Picks the locale from an explicit choice (cookie), else the browser's Accept-Language, else German. */
export function resolveLocale(explicit: string | null | undefined, acceptLanguage: string | null | undefined): Locale {
  if (isLocale(explicit)) return explicit;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]?.trim().slice(0, 2).toLowerCase();
    if (isLocale(tag)) return tag;
  }
  return defaultLocale;
}

const intlTag: Record<Locale, string> = { de: 'de-DE', en: 'en-GB' };

// A formatter costs tens of microseconds to build (a label sheet formats hundreds of dates): one per kind.
const formats = new Map<string, Intl.DateTimeFormat>();
function format(locale: Locale, options: Intl.DateTimeFormatOptions & { timeZone: string }): Intl.DateTimeFormat {
  const key = `${locale}|${options.timeStyle ?? ''}|${options.timeZone}`;
  let f = formats.get(key);
  if (!f) formats.set(key, (f = new Intl.DateTimeFormat(intlTag[locale], options)));
  return f;
}

/** A calendar date 'YYYY-MM-DD' in the user's locale (no time zone shift). */
export function formatDate(locale: Locale, isoDate: string | null | undefined): string {
  if (!isoDate) return '';
  const [y, m, d] = isoDate.slice(0, 10).split('-').map(Number);
  return format(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(Date.UTC(y!, m! - 1, d!)));
}

/** An instant in the user's locale and the hospital's time zone. */
export function formatInstant(locale: Locale, iso: string | null | undefined, timeZone = 'Europe/Berlin'): string {
  if (!iso) return '';
  return format(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
}

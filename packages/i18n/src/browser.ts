import { addCatalog, hasCatalog, type Locale } from './translate.js';

export * from './translate.js';

/**
 * For code that runs in the browser: the messages of one language, loaded when a page first needs them (each
 * language is a script of its own, about half of what both were).
 */
export async function loadCatalog(locale: Locale): Promise<void> {
  if (hasCatalog(locale)) return;
  addCatalog(locale, locale === 'de' ? (await import('./de.js')).de : (await import('./en.js')).en);
}

import { de } from './de.js';
import { en } from './en.js';
import { addCatalog, type Catalog, type Locale } from './translate.js';

export * from './translate.js';

addCatalog('de', de);
addCatalog('en', en);
export const catalogs: Record<Locale, Catalog> = { de, en };

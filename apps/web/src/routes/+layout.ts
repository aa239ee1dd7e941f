import { addCatalog, hasCatalog, type Catalog } from '@medreg/i18n/browser';
import { catalogUrl } from '$lib/catalog-url';
import type { LayoutLoad } from './$types';

/**
 * The page's language before anything renders: a browser fetches only that one (switching fetches the other), as
 * JSON that the page's head asked for early (+layout.svelte). The server has both already.
 */
export const load: LayoutLoad = async ({ data, fetch }) => {
  if (!hasCatalog(data.locale)) addCatalog(data.locale, (await (await fetch(catalogUrl(data.locale))).json()) as Catalog);
  return data;
};

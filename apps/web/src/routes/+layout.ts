import { addCatalog, hasCatalog, type Catalog } from '@medreg/i18n/browser';
import { catalogUrl } from '$lib/catalog-url';
import type { LayoutLoad } from './$types';

/**
 * The page's language before anything renders: a browser fetches only that one (switching fetches the other), as
 * JSON that the page's head asked for early (+layout.svelte). The server has both already.
 */
export const load: LayoutLoad = async ({ data, fetch }) => {
  if (!hasCatalog(data.locale)) {
    const res = await fetch(catalogUrl(data.locale));
    // A failed answer fails the load rather than registering an error body as the language.
    if (!res.ok) throw new Error(`the ${data.locale} messages answered ${res.status}`);
    addCatalog(data.locale, (await res.json()) as Catalog);
  }
  return data;
};

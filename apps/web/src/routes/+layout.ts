import { loadCatalog } from '@medreg/i18n/browser';
import type { LayoutLoad } from './$types';

/** The page's language before anything renders: a browser downloads only that one (switching loads the other). */
export const load: LayoutLoad = async ({ data }) => {
  await loadCatalog(data.locale);
  return data;
};

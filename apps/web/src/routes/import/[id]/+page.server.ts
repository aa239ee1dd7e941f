import { errorFrom } from '$lib/server/forms';
import type { PageServerLoad } from './$types';

/** How far an import is; the page reloads this while it runs. */
export const load: PageServerLoad = async ({ locals, params, depends }) => {
  depends('app:import-progress');
  try {
    return { progress: await locals.api.imports.progress({ importId: params.id }) };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

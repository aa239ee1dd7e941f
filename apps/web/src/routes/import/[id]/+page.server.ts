import { error } from '@sveltejs/kit';
import { describeError } from '@medreg/core';
import type { PageServerLoad } from './$types';

/** How far an import is; the page reloads this while it runs. */
export const load: PageServerLoad = async ({ locals, params, depends }) => {
  depends('app:import-progress');
  try {
    return { progress: await locals.api.imports.progress({ importId: params.id }) };
  } catch (e) {
    const d = describeError(e, locals.t);
    error(d.code === 'FORBIDDEN' ? 403 : d.code === 'NOT_FOUND' ? 404 : 500, d.message);
  }
};

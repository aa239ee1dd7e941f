import { error } from '@sveltejs/kit';
import { describeError } from '@medreg/core';
import type { PageServerLoad } from './$types';

/** Inspection types for managers and admins (the API refuses everyone else: a 403 page). */
export const load: PageServerLoad = async ({ locals }) => {
  try {
    return { types: await locals.api.inspectionTypes.list() };
  } catch (e) {
    const d = describeError(e, locals.t);
    error(d.code === 'FORBIDDEN' ? 403 : 500, d.message);
  }
};

import { errorFrom } from '$lib/server/forms';
import type { PageServerLoad } from './$types';

/** Inspection types for managers and admins (the API refuses everyone else: a 403 page). */
export const load: PageServerLoad = async ({ locals }) => {
  try {
    return { types: await locals.api.inspectionTypes.list() };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

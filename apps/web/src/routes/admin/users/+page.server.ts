import { errorFrom } from '$lib/server/forms';
import type { PageServerLoad } from './$types';

/** Administrators' user list (the API refuses other roles: a 403 page). */
export const load: PageServerLoad = async ({ locals, url }) => {
  const q = (url.searchParams.get('q') ?? '').slice(0, 100);
  try {
    return { q, list: await locals.api.users.list({ q }) };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

import { redirect } from '@sveltejs/kit';
import { errorFrom, failFrom } from '$lib/server/forms';
import { postedValues } from '$lib/type-editor';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  // Only managers and admins may create types: ask the API, which says so for everyone else.
  try {
    await locals.api.inspectionTypes.list();
  } catch (e) {
    errorFrom(e, locals.t);
  }
  return {};
};

export const actions: Actions = {
  save: async ({ locals, request }) => {
    const form = await request.formData();
    let id: string;
    try {
      ({ id } = await locals.api.inspectionTypes.create(form));
    } catch (e) {
      return failFrom(e, locals.t, postedValues(form));
    }
    // Next: assign it to models, on its own page.
    redirect(303, `/inspections/types/${id}?created=1`);
  },
};

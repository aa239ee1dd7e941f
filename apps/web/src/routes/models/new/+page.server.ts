import { redirect } from '@sveltejs/kit';
import { errorFrom, failFrom } from '$lib/server/forms';
import { modelForm, typeIdsOf } from '../form-values';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  try {
    return { options: await locals.api.register.modelOptions() };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

export const actions: Actions = {
  default: async ({ locals, request }) => {
    const form = await request.formData();
    const values = modelForm(form);
    const typeIds = typeIdsOf(form);
    let id: string;
    try {
      ({ id } = await locals.api.register.createModel({ ...values, typeIds } as never));
    } catch (e) {
      return failFrom(e, locals.t, { ...values, typeIds });
    }
    redirect(303, `/models/${id}?created=1`);
  },
};

import { error, redirect } from '@sveltejs/kit';
import { describeError } from '@medreg/core';
import { failFrom } from '$lib/server/forms';
import { modelForm, typeIdsOf } from '../form-values';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  try {
    return { options: await locals.api.register.modelOptions() };
  } catch (e) {
    const d = describeError(e, locals.t);
    error(d.code === 'FORBIDDEN' ? 403 : 500, d.message);
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

import { redirect } from '@sveltejs/kit';
import { errorFrom, failFrom } from '$lib/server/forms';
import { modelForm, typeIdsOf } from '../form-values';
import type { Actions, PageServerLoad } from './$types';

const FLASHES = ['created', 'saved', 'typesSaved'] as const;

export const load: PageServerLoad = async ({ locals, params, url }) => {
  try {
    const [model, options] = await Promise.all([locals.api.register.model({ id: params.id }), locals.api.register.modelOptions()]);
    return { ...model, options, flash: FLASHES.find((f) => url.searchParams.has(f)) ?? null };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

export const actions: Actions = {
  update: async ({ locals, request, params }) => {
    const form = await request.formData();
    const values = { ...modelForm(form), version: String(form.get('version') ?? '') };
    try {
      await locals.api.register.updateModel({ ...values, id: params.id } as never);
    } catch (e) {
      return failFrom(e, locals.t, { ...values, which: 'update' });
    }
    redirect(303, `/models/${params.id}?saved=1`);
  },
  types: async ({ locals, request, params }) => {
    const form = await request.formData();
    const values = { typeIds: typeIdsOf(form), version: String(form.get('version') ?? '') };
    try {
      await locals.api.register.setModelTypes({ ...values, id: params.id } as never);
    } catch (e) {
      return failFrom(e, locals.t, { ...values, which: 'types' });
    }
    redirect(303, `/models/${params.id}?typesSaved=1`);
  },
};

import { redirect } from '@sveltejs/kit';
import { errorFrom, failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

/** Device models with search, and the manufacturers, for managers and admins. */
export const load: PageServerLoad = async ({ locals, url }) => {
  const q = (url.searchParams.get('q') ?? '').trim().slice(0, 100);
  try {
    const [models, manufacturers] = await Promise.all([locals.api.register.models({ q: q || undefined }), locals.api.register.manufacturers()]);
    const flash = url.searchParams.has('manufacturerCreated') ? 'created' : url.searchParams.has('manufacturerSaved') ? 'saved' : null;
    return { q, models, manufacturers, flash };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

const fields = (form: FormData) => ({
  name: String(form.get('name') ?? '').trim(),
  address: String(form.get('address') ?? '').trim(),
  country: String(form.get('country') ?? '').trim(),
});

export const actions: Actions = {
  createManufacturer: async ({ locals, request }) => {
    const values = { ...fields(await request.formData()), id: '' };
    try {
      await locals.api.register.createManufacturer(values);
    } catch (e) {
      return failFrom(e, locals.t, values);
    }
    redirect(303, '/models?manufacturerCreated=1#manufacturers');
  },
  updateManufacturer: async ({ locals, request }) => {
    const form = await request.formData();
    const values = { ...fields(form), id: String(form.get('id') ?? '') };
    try {
      await locals.api.register.updateManufacturer(values);
    } catch (e) {
      return failFrom(e, locals.t, values);
    }
    redirect(303, `/models?manufacturerSaved=1#manufacturer-${values.id}`);
  },
};

import { redirect } from '@sveltejs/kit';
import { errorFrom, failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

const FLASHES = { created: 'instruments.created', updated: 'instruments.updated', retired: 'instruments.retiredDone' } as const;

/** The test instruments register for technicians, managers and admins (the API refuses nurses: a 403 page). */
export const load: PageServerLoad = async ({ locals, url }) => {
  try {
    return {
      instruments: await locals.api.instruments.list(),
      flash: Object.entries(FLASHES).find(([flag]) => url.searchParams.has(flag))?.[1] ?? null,
    };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

function fields(form: FormData) {
  const text = (k: string) => String(form.get(k) ?? '').trim();
  return { name: text('name'), kind: text('kind'), serialNumber: text('serialNumber'), calibrationDueOn: text('calibrationDueOn') };
}

export const actions: Actions = {
  create: async ({ locals, request }) => {
    const values = fields(await request.formData());
    try {
      await locals.api.instruments.create(values);
    } catch (e) {
      return failFrom(e, locals.t, { ...values, id: '' });
    }
    redirect(303, '/instruments?created=1');
  },
  update: async ({ locals, request }) => {
    const form = await request.formData();
    const values = { ...fields(form), id: String(form.get('id') ?? '') };
    try {
      await locals.api.instruments.update(values);
    } catch (e) {
      return failFrom(e, locals.t, values);
    }
    redirect(303, `/instruments?updated=1#instrument-${values.id}`);
  },
  retire: async ({ locals, request }) => {
    const form = await request.formData();
    const id = String(form.get('id') ?? '');
    try {
      await locals.api.instruments.retire({ id });
    } catch (e) {
      return failFrom(e, locals.t, { id });
    }
    redirect(303, '/instruments?retired=1');
  },
};

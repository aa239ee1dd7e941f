import { redirect } from '@sveltejs/kit';
import { errorFrom, failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

const FLASHES = ['created', 'renamed', 'moved'] as const;

/** The location tree with device counts, for managers and admins. */
export const load: PageServerLoad = async ({ locals, url }) => {
  try {
    return { sites: await locals.api.register.locations(), flash: FLASHES.find((f) => url.searchParams.has(f)) ?? null };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

const text = (form: FormData, k: string) => String(form.get(k) ?? '').trim();

export const actions: Actions = {
  create: async ({ locals, request }) => {
    const form = await request.formData();
    const values = Object.fromEntries(['level', 'name', 'address', 'siteId', 'buildingId', 'departmentId', 'kind', 'costCentre', 'floor', 'formKey'].map((k) => [k, text(form, k)]));
    let id: string;
    try {
      ({ id } = await locals.api.register.createLocation(values as never));
    } catch (e) {
      return failFrom(e, locals.t, values);
    }
    redirect(303, `/locations?created=1#loc-${id}`);
  },
  rename: async ({ locals, request }) => {
    const form = await request.formData();
    const values = { level: text(form, 'level'), id: text(form, 'id'), name: text(form, 'name'), formKey: text(form, 'formKey') };
    try {
      await locals.api.register.renameLocation(values as never);
    } catch (e) {
      return failFrom(e, locals.t, values);
    }
    redirect(303, `/locations?renamed=1#loc-${values.id}`);
  },
  move: async ({ locals, request }) => {
    const form = await request.formData();
    const values = { id: text(form, 'id'), buildingId: text(form, 'buildingId'), formKey: text(form, 'formKey') };
    try {
      await locals.api.register.moveDepartment(values);
    } catch (e) {
      return failFrom(e, locals.t, values);
    }
    redirect(303, `/locations?moved=1#loc-${values.id}`);
  },
};

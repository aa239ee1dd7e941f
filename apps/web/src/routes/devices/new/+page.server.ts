import { redirect } from '@sveltejs/kit';
import { errorFrom, failFrom } from '$lib/server/forms';
import { deviceForm } from './form-values';
import type { Actions, PageServerLoad } from './$types';

/** Registering a device, for managers and admins (the API refuses everyone else: a 403 page). */
export const load: PageServerLoad = async ({ locals }) => {
  try {
    return { options: await locals.api.register.options() };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

export const actions: Actions = {
  default: async ({ locals, request }) => {
    const values = deviceForm(await request.formData());
    let code: string;
    try {
      ({ code } = await locals.api.register.createDevice(values as never));
    } catch (e) {
      return failFrom(e, locals.t, values);
    }
    redirect(303, `/d/${code}/register?created=1`);
  },
};

import { error, redirect } from '@sveltejs/kit';
import { describeError } from '@medreg/core';
import { failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
  try {
    const { device, lock } = await locals.api.devices.get({ code: params.code });
    return { device, lock };
  } catch (e) {
    error(404, describeError(e, locals.t).message);
  }
};

export const actions: Actions = {
  default: async ({ locals, request, params }) => {
    const form = await request.formData();
    const values = { reason: String(form.get('reason') ?? ''), incidentSuspected: form.get('incidentSuspected') === 'on' };
    try {
      await locals.api.lockout.lock({ deviceId: String(form.get('deviceId') ?? ''), ...values });
    } catch (e) {
      return failFrom(e, locals.t, values);
    }
    redirect(303, `/d/${params.code}?locked=1`);
  },
};

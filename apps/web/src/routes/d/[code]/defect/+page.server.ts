import { error, redirect } from '@sveltejs/kit';
import { describeError, MAX_PHOTO_BYTES } from '@medreg/core';
import { failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

/** A defect report (Mängelmeldung): anyone who may see the device, typically a nurse on a phone. */
export const load: PageServerLoad = async ({ locals, params }) => {
  try {
    const { device } = await locals.api.devices.get({ code: params.code });
    return { device, maxPhotoMb: MAX_PHOTO_BYTES / 1024 / 1024 };
  } catch (e) {
    error(404, describeError(e, locals.t).message);
  }
};

export const actions: Actions = {
  default: async ({ locals, request, params }) => {
    // Posted as it came (with the photos): the API reads the multipart form itself.
    const form = await request.formData();
    try {
      await locals.api.defects.report(form);
    } catch (e) {
      return failFrom(e, locals.t, { text: String(form.get('text') ?? ''), incidentSuspected: form.get('incidentSuspected') === 'on' });
    }
    redirect(303, `/d/${params.code}?defect=1`);
  },
};

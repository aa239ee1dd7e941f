import { error, redirect } from '@sveltejs/kit';
import { MAX_PHOTO_BYTES, measureKinds, today } from '@medreg/core';
import { errorFrom, failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

/** Maintenance, repair, functional test or software update, at the device on a phone (`?kind=` preselects one). */
export const load: PageServerLoad = async ({ locals, params, url }) => {
  // Staff only: the procedure refuses nurses anyway, the page should not offer them a form first.
  if (locals.user?.role === 'nurse') error(403, locals.t('errors.forbidden'));
  try {
    const { device } = await locals.api.devices.get({ code: params.code });
    const asked = url.searchParams.get('kind');
    return {
      device,
      kinds: measureKinds,
      kind: measureKinds.find((k) => k === asked) ?? measureKinds[0],
      maxPhotoMb: MAX_PHOTO_BYTES / 1024 / 1024,
      today: today(new Date()),
      // Fixed while the form is open: a double submit saves once.
      submissionId: crypto.randomUUID(),
    };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

export const actions: Actions = {
  default: async ({ locals, request, params }) => {
    // Posted as it came: the API reads the multipart form itself.
    const form = await request.formData();
    try {
      await locals.api.measures.record(form);
    } catch (e) {
      const values = Object.fromEntries([...form.entries()].filter(([k, v]) => typeof v === 'string' && k !== 'uploadIds'));
      return failFrom(e, locals.t, values);
    }
    redirect(303, `/d/${params.code}?measure=1`);
  },
};

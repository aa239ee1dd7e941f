import { error, redirect } from '@sveltejs/kit';
import { describeError, MAX_PHOTO_BYTES } from '@medreg/core';
import { failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
  try {
    const detail = await locals.api.devices.get({ code: params.code });
    // Preselect what is most urgent: overdue first, then due soon.
    const urgent = ['overdue', 'due_soon', 'ok'].flatMap((s) => detail.inspections.filter((i) => i.state === s));
    return { device: detail.device, inspections: detail.inspections, defaultTypeId: urgent[0]?.id ?? null, maxPhotoMb: MAX_PHOTO_BYTES / 1024 / 1024 };
  } catch (e) {
    error(404, describeError(e, locals.t).message);
  }
};

export const actions: Actions = {
  default: async ({ locals, request, params }) => {
    const form = await request.formData();
    try {
      await locals.api.inspections.record(form);
    } catch (e) {
      const values = Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === 'string'));
      return failFrom(e, locals.t, values);
    }
    redirect(303, `/d/${params.code}?saved=1`);
  },
};

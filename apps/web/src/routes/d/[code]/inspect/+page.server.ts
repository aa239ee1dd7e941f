import { redirect } from '@sveltejs/kit';
import { MAX_PHOTO_BYTES, today } from '@medreg/core';
import { errorFrom, failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, url }) => {
  try {
    const detail = await locals.api.devices.get({ code: params.code });
    const context = await locals.api.inspections.formContext({ deviceId: detail.device.id });
    // The type asked for (from the due list), else what is most urgent: failed, overdue, due soon.
    const asked = detail.inspections.find((i) => i.id === url.searchParams.get('type'));
    const urgent = [...detail.inspections].sort((a, b) => Number(b.failed) - Number(a.failed) || a.due_on.localeCompare(b.due_on));
    return {
      device: detail.device,
      inspections: detail.inspections,
      instruments: context.instruments,
      previous: context.previous,
      defaultTypeId: asked?.id ?? urgent[0]?.id ?? null,
      maxPhotoMb: MAX_PHOTO_BYTES / 1024 / 1024,
      // The hospital's day, not the browser's or the server's time zone.
      today: today(new Date()),
      // Fixed while the form is open: a double submit saves once.
      submissionId: crypto.randomUUID(),
    };
  } catch (e) {
    // The status the refusal carries: 403 for a role that may not record inspections (a nurse), 404 for no device.
    errorFrom(e, locals.t);
  }
};

export const actions: Actions = {
  default: async ({ locals, request, params }) => {
    const form = await request.formData();
    try {
      await locals.api.inspections.record(form);
    } catch (e) {
      // Uploaded files stay listed (and staged) in the page; only the typed values need to come back.
      const values = Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === 'string'));
      return failFrom(e, locals.t, values);
    }
    // A lock shows at the top of the device page, with the card to print.
    redirect(303, `/d/${params.code}?saved=1`);
  },
};

import { error, redirect } from '@sveltejs/kit';
import { describeError } from '@medreg/core';
import { failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

/** Locking a device out of service: staff only (technicians, managers, administrators), as the procedure itself. */
export const load: PageServerLoad = async ({ locals, params, url }) => {
  // A nurse reports a defect instead: the page should not offer her a form that submitting then refuses.
  if (locals.user?.role === 'nurse') error(403, locals.t('errors.forbidden'));
  try {
    const { device, lock, inspections } = await locals.api.devices.get({ code: params.code });
    // Locking from a failed inspection: name it and prefill the reason with what failed.
    const causeId = url.searchParams.get('cause');
    const cause = causeId
      ? (await locals.api.logbook.list({ deviceId: device.id, kinds: ['inspection'] })).find((e) => e.id === causeId && e.result === 'failed')
      : undefined;
    return { device, lock, inspections, cause: cause ?? null };
  } catch (e) {
    error(404, describeError(e, locals.t).message);
  }
};

export const actions: Actions = {
  default: async ({ locals, request, params }) => {
    const form = await request.formData();
    const values = { reason: String(form.get('reason') ?? ''), incidentSuspected: form.get('incidentSuspected') === 'on' };
    const causeEntryId = String(form.get('causeEntryId') ?? '') || undefined;
    try {
      await locals.api.lockout.lock({ deviceId: String(form.get('deviceId') ?? ''), ...values, causeEntryId });
    } catch (e) {
      return failFrom(e, locals.t, values);
    }
    redirect(303, `/d/${params.code}?locked=1`);
  },
};

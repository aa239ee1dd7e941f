import { redirect } from '@sveltejs/kit';
import { errorFrom, failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
  try {
    const { device } = await locals.api.devices.get({ code: params.code });
    const options = await locals.api.lockout.releaseOptions({ deviceId: device.id });
    return { device, ...options };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

export const actions: Actions = {
  default: async ({ locals, request, params }) => {
    const form = await request.formData();
    const values = { inspectionEntryId: String(form.get('inspectionEntryId') ?? ''), reason: String(form.get('reason') ?? '') };
    try {
      await locals.api.lockout.release({
        deviceId: String(form.get('deviceId') ?? ''),
        inspectionEntryId: values.inspectionEntryId || undefined,
        reason: values.reason || undefined,
      });
    } catch (e) {
      return failFrom(e, locals.t, values);
    }
    redirect(303, `/d/${params.code}?released=1`);
  },
};

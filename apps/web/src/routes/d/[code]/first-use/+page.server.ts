import { error, redirect } from '@sveltejs/kit';
import { describeError, today } from '@medreg/core';
import { failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
  try {
    const { device } = await locals.api.devices.get({ code: params.code });
    const { firstUse } = await locals.api.instructions.ofDevice({ deviceId: device.id });
    return { device, firstUse, today: today(new Date()) };
  } catch (e) {
    error(404, describeError(e, locals.t).message);
  }
};

export const actions: Actions = {
  default: async ({ locals, request, params }) => {
    const form = await request.formData();
    const values = {
      performedOn: String(form.get('performedOn') ?? ''),
      performedBy: String(form.get('performedBy') ?? ''),
      result: String(form.get('result') ?? '') as 'passed' | 'failed',
      text: String(form.get('text') ?? '') || undefined,
    };
    try {
      await locals.api.instructions.recordFirstUseTest({ deviceId: String(form.get('deviceId') ?? ''), ...values });
    } catch (e) {
      return failFrom(e, locals.t, values);
    }
    redirect(303, `/d/${params.code}?firstUse=1`);
  },
};

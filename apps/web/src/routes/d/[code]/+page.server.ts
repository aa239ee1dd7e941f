import { error } from '@sveltejs/kit';
import { describeError } from '@medreg/core';
import type { PageServerLoad } from './$types';

/** `/d/<code>` is the stable address printed in QR codes. */
export const load: PageServerLoad = async ({ locals, params, url }) => {
  try {
    const detail = await locals.api.devices.get({ code: params.code });
    const logbook = await locals.api.logbook.list({ deviceId: detail.device.id });
    return { ...detail, logbook, flash: url.searchParams.get('saved') ? 'saved' : url.searchParams.get('locked') ? 'locked' : null };
  } catch (e) {
    const d = describeError(e, locals.t);
    error(d.code === 'NOT_FOUND' ? 404 : 400, d.message);
  }
};

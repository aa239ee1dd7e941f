import { error, redirect } from '@sveltejs/kit';
import { DEVICE_FILE_PURPOSES, MAX_IMAGE_BYTES, MAX_PDF_BYTES } from '@medreg/core';
import { errorFrom, failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

const FLASHES = { uploaded: 'files.uploaded', withdrawn: 'files.withdrawnDone' } as const;

/** Upload and withdraw a device's files: technicians, managers and admins (nurses read them on the device page). */
export const load: PageServerLoad = async ({ locals, params, url }) => {
  if (locals.user?.role === 'nurse') error(403, locals.t('errors.forbidden'));
  try {
    const { device } = await locals.api.devices.get({ code: params.code });
    const files = await locals.api.files.list({ deviceId: device.id, withdrawn: true });
    return {
      device,
      files,
      purposes: DEVICE_FILE_PURPOSES,
      limits: { pdfMb: MAX_PDF_BYTES / 1024 / 1024, imageMb: MAX_IMAGE_BYTES / 1024 / 1024 },
      flash: Object.entries(FLASHES).find(([flag]) => url.searchParams.has(flag))?.[1] ?? null,
    };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

export const actions: Actions = {
  /** The multipart form goes to the API as it came: the file is checked there, by content. */
  upload: async ({ locals, request, params }) => {
    const form = await request.formData();
    const values = { purpose: String(form.get('purpose') ?? ''), visibility: String(form.get('visibility') ?? '') };
    try {
      await locals.api.files.upload(form);
    } catch (e) {
      return failFrom(e, locals.t, values);
    }
    redirect(303, `/d/${params.code}/files?uploaded=1`);
  },
  withdraw: async ({ locals, request, params }) => {
    const form = await request.formData();
    const id = String(form.get('id') ?? '');
    try {
      await locals.api.files.withdraw({ id });
    } catch (e) {
      return failFrom(e, locals.t, { withdrawId: id });
    }
    redirect(303, `/d/${params.code}/files?withdrawn=1`);
  },
};

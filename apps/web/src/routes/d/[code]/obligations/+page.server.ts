import { redirect } from '@sveltejs/kit';
import { errorFrom, failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

/** A device's obligations with its overrides, for managers and admins (the API refuses everyone else). */
export const load: PageServerLoad = async ({ locals, params, url }) => {
  try {
    const flag = ['saved', 'cleared', 'unchanged'].find((f) => url.searchParams.has(f));
    return {
      ...(await locals.api.inspectionTypes.ofDevice({ code: params.code })),
      flash: flag ? (`inspectionTypes.override.${flag}` as 'inspectionTypes.override.saved') : null,
    };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

const text = (form: FormData, key: string) => String(form.get(key) ?? '').trim();

export const actions: Actions = {
  set: async ({ locals, request, params }) => {
    const form = await request.formData();
    const values = { typeId: text(form, 'typeId'), mode: text(form, 'mode'), intervalMonths: text(form, 'intervalMonths'), reason: text(form, 'reason') };
    let changed: boolean;
    try {
      const deviceId = text(form, 'deviceId');
      ({ changed } = await locals.api.inspectionTypes.setOverride(
        values.mode === 'exempt'
          ? { deviceId, typeId: values.typeId, mode: 'exempt', reason: values.reason }
          : // The API reads the months as typed and names what is wrong with them.
            { deviceId, typeId: values.typeId, mode: 'interval', intervalMonths: values.intervalMonths, reason: values.reason || undefined },
      ));
    } catch (e) {
      return failFrom(e, locals.t, values);
    }
    redirect(303, `/d/${params.code}/obligations?${changed ? 'saved' : 'unchanged'}=1#type-${values.typeId}`);
  },
  clear: async ({ locals, request, params }) => {
    const form = await request.formData();
    const values = { typeId: text(form, 'typeId') };
    let changed: boolean;
    try {
      ({ changed } = await locals.api.inspectionTypes.clearOverride({ deviceId: text(form, 'deviceId'), typeId: values.typeId }));
    } catch (e) {
      return failFrom(e, locals.t, values);
    }
    redirect(303, `/d/${params.code}/obligations?${changed ? 'cleared' : 'unchanged'}=1#type-${values.typeId}`);
  },
};

import { redirect } from '@sveltejs/kit';
import { errorFrom, failFrom } from '$lib/server/forms';
import { deviceForm } from '../../../devices/new/form-values';
import type { Actions, PageServerLoad } from './$types';

const FLASHES = ['created', 'saved', 'unchanged', 'moved', 'decommissioned'] as const;

/** A device's register entry for managers and admins: correct it, move it, decommission it, read its history. */
export const load: PageServerLoad = async ({ locals, params, url }) => {
  try {
    const flash = FLASHES.find((f) => url.searchParams.has(f)) ?? null;
    return { ...(await locals.api.register.device({ code: params.code })), flash, changedCount: Number(url.searchParams.get('saved') ?? 0) };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

const EDIT_FIELDS = ['inventoryNumber', 'modelId', 'serialNumber', 'lotNumber', 'acquiredYear', 'commissionedOn', 'udiDi', 'notifiedBody', 'deviceClass', 'ceMarked', 'notes'];

export const actions: Actions = {
  update: async ({ locals, request, params }) => {
    const form = await request.formData();
    const values = { ...deviceForm(form, EDIT_FIELDS), id: String(form.get('id') ?? ''), version: String(form.get('version') ?? '') };
    let changed: string[];
    try {
      ({ changed } = await locals.api.register.updateDevice(values as never));
    } catch (e) {
      return failFrom(e, locals.t, { ...values, which: 'update' });
    }
    redirect(303, `/d/${params.code}/register?${changed.length ? `saved=${changed.length}` : 'unchanged=1'}`);
  },
  move: async ({ locals, request, params }) => {
    const form = await request.formData();
    const values = { ...deviceForm(form, ['siteId', 'departmentId', 'roomId']), id: String(form.get('id') ?? ''), version: String(form.get('version') ?? '') };
    try {
      await locals.api.register.moveDevice(values as never);
    } catch (e) {
      return failFrom(e, locals.t, { ...values, which: 'move' });
    }
    redirect(303, `/d/${params.code}/register?moved=1`);
  },
  decommission: async ({ locals, request, params }) => {
    const form = await request.formData();
    const values = { ...deviceForm(form, ['decommissionedOn', 'reason']), id: String(form.get('id') ?? ''), version: String(form.get('version') ?? '') };
    try {
      await locals.api.register.decommissionDevice(values as never);
    } catch (e) {
      return failFrom(e, locals.t, { ...values, which: 'decommission' });
    }
    redirect(303, `/d/${params.code}/register?decommissioned=1`);
  },
};

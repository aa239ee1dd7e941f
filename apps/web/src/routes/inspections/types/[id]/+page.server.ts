import { redirect } from '@sveltejs/kit';
import type { MessageKey } from '@medreg/i18n';
import { errorFrom, failFrom } from '$lib/server/forms';
import { postedValues } from '$lib/type-editor';
import type { Actions, PageServerLoad } from './$types';

const FLASHES = {
  created: 'inspectionTypes.created',
  saved: 'inspectionTypes.saved',
  archived: 'inspectionTypes.archivedDone',
  restored: 'inspectionTypes.restoredDone',
} as const satisfies Record<string, MessageKey>;

export const load: PageServerLoad = async ({ locals, params, url }) => {
  try {
    const detail = await locals.api.inspectionTypes.get({ id: params.id });
    const devices = Number(url.searchParams.get('devices') ?? '');
    return {
      ...detail,
      flash: Object.entries(FLASHES).find(([flag]) => url.searchParams.has(flag))?.[1] ?? null,
      // How many devices got new due dates or obligations from the last save.
      devices: Number.isInteger(devices) && devices > 0 ? devices : null,
      modelsSaved: url.searchParams.has('assigned'),
    };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

export const actions: Actions = {
  save: async ({ locals, request, params }) => {
    const form = await request.formData();
    form.set('id', params.id);
    let devices: number;
    try {
      ({ devices } = await locals.api.inspectionTypes.update(form));
    } catch (e) {
      return failFrom(e, locals.t, { ...postedValues(form), action: 'save' });
    }
    redirect(303, `/inspections/types/${params.id}?saved=1${devices ? `&devices=${devices}` : ''}`);
  },
  assign: async ({ locals, request, params }) => {
    const form = await request.formData();
    form.set('id', params.id);
    let devices: number;
    try {
      ({ devices } = await locals.api.inspectionTypes.setAssignments(form));
    } catch (e) {
      return failFrom(e, locals.t, { ...postedValues(form), action: 'assign' });
    }
    redirect(303, `/inspections/types/${params.id}?assigned=1&devices=${devices}#models-title`);
  },
  archive: async ({ locals, request, params }) => {
    const form = await request.formData();
    const archived = form.get('archived') === 'true';
    try {
      await locals.api.inspectionTypes.archive({ id: params.id, version: Number(form.get('version')), archived });
    } catch (e) {
      return failFrom(e, locals.t, { action: 'archive' });
    }
    redirect(303, `/inspections/types/${params.id}?${archived ? 'archived' : 'restored'}=1`);
  },
};

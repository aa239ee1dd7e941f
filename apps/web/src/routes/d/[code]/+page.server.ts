import { redirect } from '@sveltejs/kit';
import { LOGBOOK_KINDS, today } from '@medreg/core';
import { errorFrom, failFrom } from '$lib/server/forms';
import type { MessageKey } from '@medreg/i18n';
import type { Actions, PageServerLoad } from './$types';

/** What a redirect back to the device page says it did (`?saved=1` …). */
const FLASHES = {
  saved: 'inspection.saved',
  locked: 'lock.done',
  released: 'lock.releaseDone',
  reported: 'lock.reportDone',
  defect: 'defect.done',
  requested: 'instruction.requestDone',
  withdrawn: 'instruction.withdrawn',
  firstUse: 'instruction.firstUseSaved',
  measure: 'measures.saved',
} as const satisfies Record<string, MessageKey>;

/** `/d/<code>` is the stable address printed in QR codes. */
export const load: PageServerLoad = async ({ locals, params, url }) => {
  // The logbook filter is a plain query string (`?kind=repair`), so it works without JavaScript; an unknown kind shows all.
  const asked = url.searchParams.get('kind');
  const kind = LOGBOOK_KINDS.find((k) => k === asked) ?? null;
  // `?people=<session id>` names who attended that instruction session; anything else names nobody.
  const people = url.searchParams.get('people') ?? '';
  const peopleOf = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(people) ? people : undefined;
  try {
    // Corrections come along, so a shown entry keeps the correction that points at it.
    const { logbook: entries, ...page } = await locals.api.devices.page({ code: params.code, kinds: kind ? [kind, 'correction'] : undefined, peopleOf });
    const shown = kind ? entries.filter((e) => e.kind === kind) : entries;
    const shownIds = new Set(shown.map((e) => e.id));
    const logbook = kind ? entries.filter((e) => e.kind === kind || (e.corrects_entry_id !== null && shownIds.has(e.corrects_entry_id))) : entries;
    // The hospital's date, not the server's or the browser's: the BfArM form's default and limit.
    return {
      ...page,
      logbook,
      kind,
      kinds: LOGBOOK_KINDS,
      today: today(new Date()),
      flash: Object.entries(FLASHES).find(([flag]) => url.searchParams.has(flag))?.[1] ?? null,
    };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

export const actions: Actions = {
  /** "Please instruct me on this model": one tap from the verdict. */
  request: async ({ locals, request, params }) => {
    const form = await request.formData();
    try {
      await locals.api.instructions.request({ deviceId: String(form.get('deviceId') ?? '') });
    } catch (e) {
      return failFrom(e, locals.t);
    }
    redirect(303, `/d/${params.code}?requested=1`);
  },
  withdraw: async ({ locals, request, params }) => {
    const form = await request.formData();
    try {
      await locals.api.instructions.withdrawRequest({ id: String(form.get('requestId') ?? '') });
    } catch (e) {
      return failFrom(e, locals.t);
    }
    redirect(303, `/d/${params.code}?withdrawn=1`);
  },
  /** The device-safety officer records the incident report to the BfArM. */
  report: async ({ locals, request, params }) => {
    const form = await request.formData();
    const values = { reportedOn: String(form.get('reportedOn') ?? ''), reference: String(form.get('reference') ?? '') };
    try {
      await locals.api.lockout.reportIncident({ deviceId: String(form.get('deviceId') ?? ''), ...values });
    } catch (e) {
      return failFrom(e, locals.t, values);
    }
    redirect(303, `/d/${params.code}?reported=1`);
  },
};

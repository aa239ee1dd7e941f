import { error } from '@sveltejs/kit';
import { describeError } from '@medreg/core';
import { failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

/** The technicians' queue of open and in-progress defect reports (nurses get the API's refusal as a 403 page). */
export const load: PageServerLoad = async ({ locals }) => {
  try {
    return { reports: await locals.api.defects.queue() };
  } catch (e) {
    error(403, describeError(e, locals.t).message);
  }
};

async function handle({ locals, request }: RequestEvent, action: 'start' | 'close') {
  const form = await request.formData();
  const id = String(form.get('id') ?? '');
  const resolution = action === 'close' ? String(form.get('resolution') ?? '') : undefined;
  try {
    await locals.api.defects.handle({ id, action, resolution });
  } catch (e) {
    // The id and action let the page show the error at the report it concerns.
    return failFrom(e, locals.t, { id, action, resolution });
  }
  return { done: { id, action } };
}

export const actions: Actions = {
  start: (event) => handle(event, 'start'),
  close: (event) => handle(event, 'close'),
};

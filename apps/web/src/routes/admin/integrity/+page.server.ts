import { redirect } from '@sveltejs/kit';
import { errorFrom, failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

/** Managers and admins verify the logbook hash chains here (the API refuses other roles: a 403 page). */
export const load: PageServerLoad = async ({ locals, url, depends }) => {
  depends('app:integrity');
  try {
    return { status: await locals.api.integrity.status(), started: url.searchParams.has('started') };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

export const actions: Actions = {
  start: async ({ locals }) => {
    let started: boolean;
    try {
      ({ started } = await locals.api.integrity.start());
    } catch (e) {
      return failFrom(e, locals.t, {});
    }
    redirect(303, started ? '/admin/integrity?started=1' : '/admin/integrity');
  },
  /** A seal kept outside the application, pasted or typed back: does the logbook still give it? */
  compare: async ({ locals, request }) => {
    const text = String((await request.formData()).get('text') ?? '');
    try {
      return { compared: await locals.api.integrity.compareSeal({ text }), values: { text } };
    } catch (e) {
      return failFrom(e, locals.t, { text });
    }
  },
};

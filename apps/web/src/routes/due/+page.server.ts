import { dueWindows, type DueWindow } from '@medreg/core';
import { errorFrom, failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

const PAGE_SIZE = 50;

/**
 * The due list for technicians and managers (the API refuses nurses: a 403 page). Filters and the page number
 * live in the query string, so the GET form works without JavaScript and every view can be bookmarked.
 */
export const load: PageServerLoad = async ({ locals, url }) => {
  const param = (name: string) => url.searchParams.get(name)?.trim() || undefined;
  const scope = { siteId: param('site'), departmentId: param('ward'), typeId: param('type') };
  const window = (param('window') ?? 'open') as DueWindow;
  const page = Number.parseInt(param('page') ?? '1', 10);
  try {
    const [filters, overview, list, reminders] = await Promise.all([
      locals.api.due.filters(),
      locals.api.due.overview(scope),
      // An unknown window or a page that is not a number is refused by the procedure's schema: a 400 page.
      locals.api.due.list({ ...scope, window, page: Number.isNaN(page) ? 0 : page, pageSize: PAGE_SIZE }),
      locals.api.reminders.settings(),
    ]);
    return { scope, window, windows: dueWindows, filters, overview, list, reminders };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

export const actions: Actions = {
  createToken: async ({ locals }) => {
    try {
      // The address with its secret is shown once, from this answer; the page never loads it again.
      return { created: await locals.api.reminders.createToken() };
    } catch (e) {
      return failFrom(e, locals.t);
    }
  },
  revokeToken: async ({ locals, request }) => {
    const id = String((await request.formData()).get('id') ?? '');
    try {
      return await locals.api.reminders.revokeToken({ id });
    } catch (e) {
      return failFrom(e, locals.t, { id });
    }
  },
  setDigest: async ({ locals, request }) => {
    const enabled = (await request.formData()).get('weeklyDigest') === 'on';
    try {
      return await locals.api.reminders.setDigest({ enabled });
    } catch (e) {
      return failFrom(e, locals.t);
    }
  },
};

import { redirect } from '@sveltejs/kit';
import { env } from '$env/dynamic/private';
import { describeError, retentionDays } from '@medreg/core';
import { errorFrom, failFrom } from '$lib/server/forms';
import { referencedSubjects, type SubjectNames } from './access-log';
import type { Actions, PageServerLoad } from './$types';

const LOG_FILTERS = ['reader', 'subject', 'from', 'to', 'after'] as const;

/** Personal data for administrators: find a person, export, block and pseudonymise, the access log (others: 403). */
export const load: PageServerLoad = async ({ locals, url }) => {
  const q = url.searchParams.get('q')?.trim() ?? '';
  const personId = url.searchParams.get('person');
  const filters = Object.fromEntries(LOG_FILTERS.map((k) => [k, url.searchParams.get(k) ?? ''])) as Record<(typeof LOG_FILTERS)[number], string>;
  try {
    const [people, person] = await Promise.all([
      locals.api.privacy.people({ q }),
      personId ? locals.api.privacy.person({ personId }) : Promise.resolve(null),
    ]);
    // A filter the log refuses (an end before the start) is shown at its field, not as an error page.
    let log: { rows: Awaited<ReturnType<typeof locals.api.privacy.accessLog>>['rows']; next: string | null; fieldErrors: Record<string, string> };
    try {
      log = { ...(await locals.api.privacy.accessLog(filters)), fieldErrors: {} };
    } catch (e) {
      const d = describeError(e, locals.t);
      if (d.code !== 'BAD_REQUEST') throw e;
      log = { rows: [], next: null, fieldErrors: d.fieldErrors ?? { _: d.message } };
    }
    return {
      q,
      people,
      person,
      filters,
      log,
      names: await subjectNames(locals, log.rows),
      retentionDays: retentionDays(env.ACCESS_LOG_RETENTION_DAYS, () => undefined),
      pseudonymised: url.searchParams.has('pseudonymised'),
      isSelf: personId === locals.user?.id,
    };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

/** The names of the wards, sites and models this page of the log refers to (looked up only when it refers to one). */
async function subjectNames(locals: App.Locals, rows: { subject: string }[]): Promise<SubjectNames> {
  const { sites, departments, models } = referencedSubjects(rows);
  if (!sites.size && !departments.size && !models.size) return {};
  const options = await locals.api.register.options();
  const siteName = new Map(options.sites.map((s) => [s.id, s.name]));
  const names: SubjectNames = {};
  for (const s of options.sites) if (sites.has(s.id)) names[`site:${s.id}`] = s.name;
  for (const d of options.departments) if (departments.has(d.id)) names[`department:${d.id}`] = `${siteName.get(d.site_id) ?? ''} › ${d.name}`.replace(/^ › /, '');
  for (const m of options.models) if (models.has(m.id)) names[`model:${m.id}`] = `${m.manufacturer_name} ${m.name}`;
  return names;
}

export const actions: Actions = {
  pseudonymise: async ({ locals, request }) => {
    const form = await request.formData();
    const values = { personId: String(form.get('personId') ?? ''), confirmation: String(form.get('confirmation') ?? '') };
    try {
      await locals.api.privacy.pseudonymise(values);
    } catch (e) {
      return failFrom(e, locals.t, values);
    }
    redirect(303, `/admin/privacy?person=${encodeURIComponent(values.personId)}&pseudonymised=1`);
  },
};

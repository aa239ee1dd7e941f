import { errorFrom, failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  try {
    return { departments: await locals.api.users.departments() };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

export const actions: Actions = {
  /** Creates the account; the initial password comes back in this one response only (never in an address). */
  default: async ({ locals, request }) => {
    const form = await request.formData();
    const values = {
      name: String(form.get('name') ?? ''),
      email: String(form.get('email') ?? ''),
      role: String(form.get('role') ?? ''),
      departmentIds: form.getAll('departmentIds').map(String),
    };
    try {
      const created = await locals.api.users.invite(values as Parameters<typeof locals.api.users.invite>[0]);
      return { created: { id: created.id, name: values.name.trim(), email: values.email.trim().toLowerCase(), initialPassword: created.initialPassword } };
    } catch (e) {
      return failFrom(e, locals.t, values);
    }
  },
};

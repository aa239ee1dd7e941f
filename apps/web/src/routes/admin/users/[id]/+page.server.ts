import { redirect } from '@sveltejs/kit';
import { errorFrom, failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

const FLASHES = { saved: 'accounts.users.saved', blocked: 'accounts.users.blockedDone', unblocked: 'accounts.users.unblockedDone' } as const;

export const load: PageServerLoad = async ({ locals, params, url }) => {
  try {
    return {
      user: await locals.api.users.get({ id: params.id }),
      self: params.id === locals.user?.id,
      flash: Object.entries(FLASHES).find(([flag]) => url.searchParams.has(flag))?.[1] ?? null,
    };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

export const actions: Actions = {
  save: async ({ locals, params, request }) => {
    const form = await request.formData();
    const values = {
      id: params.id,
      name: String(form.get('name') ?? ''),
      email: String(form.get('email') ?? ''),
      role: String(form.get('role') ?? ''),
      departmentIds: form.getAll('departmentIds').map(String),
    };
    try {
      await locals.api.users.update(values as Parameters<typeof locals.api.users.update>[0]);
    } catch (e) {
      return failFrom(e, locals.t, values);
    }
    redirect(303, `/admin/users/${params.id}?saved=1`);
  },
  /** The new one-time password is shown once, in this answer, never in an address. */
  resetPassword: async ({ locals, params }) => {
    try {
      return { reset: await locals.api.users.resetPassword({ id: params.id }) };
    } catch (e) {
      return failFrom(e, locals.t, {});
    }
  },
  block: async ({ locals, params }) => {
    try {
      await locals.api.users.block({ id: params.id });
    } catch (e) {
      return failFrom(e, locals.t, {});
    }
    redirect(303, `/admin/users/${params.id}?blocked=1`);
  },
  unblock: async ({ locals, params }) => {
    try {
      await locals.api.users.unblock({ id: params.id });
    } catch (e) {
      return failFrom(e, locals.t, {});
    }
    redirect(303, `/admin/users/${params.id}?unblocked=1`);
  },
};

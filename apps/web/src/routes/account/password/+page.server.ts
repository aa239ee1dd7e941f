import { redirect } from '@sveltejs/kit';
import { PASSWORD_HISTORY_DEPTH, PASSWORD_MIN_LENGTH } from '@medreg/core';
import { failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

/** Change one's own password; someone with an initial password is sent here by the hook until done. */
export const load: PageServerLoad = ({ locals, url }) => ({
  forced: !!locals.user?.mustChangePassword,
  changed: url.searchParams.has('changed'),
  rules: { min: PASSWORD_MIN_LENGTH, count: PASSWORD_HISTORY_DEPTH },
});

export const actions: Actions = {
  change: async ({ locals, request }) => {
    const form = await request.formData();
    const text = (k: string) => String(form.get(k) ?? '');
    try {
      await locals.api.users.changePassword({ current: text('current'), next: text('next'), confirm: text('confirm') });
    } catch (e) {
      // Passwords are never sent back into the form.
      return failFrom(e, locals.t, { form: 'change' });
    }
    redirect(303, '/account/password?changed=1');
  },
  everywhere: async ({ locals, cookies }) => {
    try {
      await locals.api.users.signOutEverywhere();
    } catch (e) {
      return failFrom(e, locals.t, { form: 'everywhere' });
    }
    // This browser's session is gone too: drop its cookie (name as better-auth sets it, see auth.server.ts).
    for (const name of ['medreg.session_token', '__Secure-medreg.session_token']) cookies.delete(name, { path: '/' });
    redirect(303, '/login?everywhere=1');
  },
};

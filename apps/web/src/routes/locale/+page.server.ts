import { redirect } from '@sveltejs/kit';
import { LOCALE_COOKIE } from '@medreg/core';
import { isLocale } from '@medreg/i18n';
import { safeNext } from '$lib/server/redirects';
import type { Actions } from './$types';

export const load = () => redirect(303, '/');

export const actions: Actions = {
  default: async ({ request, cookies }) => {
    const form = await request.formData();
    const locale = form.get('locale');
    if (isLocale(locale))
      cookies.set(LOCALE_COOKIE, locale, { path: '/', httpOnly: false, sameSite: 'lax', maxAge: 60 * 60 * 24 * 365, secure: false });
    redirect(303, safeNext(form.get('next'), '/'));
  },
};

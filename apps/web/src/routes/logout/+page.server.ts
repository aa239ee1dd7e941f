import { redirect } from '@sveltejs/kit';
import { forwardAuthCookies } from '$lib/server/auth-cookies';
import type { Actions } from './$types';

export const load = () => redirect(303, '/devices');

export const actions: Actions = {
  default: async ({ request, cookies, locals }) => {
    const { headers } = await locals.services.auth.api.signOut({ headers: request.headers, returnHeaders: true });
    forwardAuthCookies(headers, cookies);
    redirect(303, '/login');
  },
};

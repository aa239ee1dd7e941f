import { error, redirect } from '@sveltejs/kit';
import { describeError, signInWithPhoneCode } from '@medreg/core';
import { forwardAuthCookies } from '$lib/server/auth-cookies';
import type { PageServerLoad } from './$types';

/**
 * The address in a phone sign-in QR code: opening it on the phone signs the phone in as the user who showed the
 * code (a new session, cookie set as by a password sign-in) and goes to the start page. A used, expired, unknown
 * or blocked code gets the reason and the way to the login page.
 */
export const load: PageServerLoad = async ({ params, request, cookies, locals }) => {
  let headers: Headers;
  try {
    headers = await signInWithPhoneCode(locals.services, params.token, request.headers);
  } catch (e) {
    const d = describeError(e, locals.t);
    if (d.code === 'INTERNAL_SERVER_ERROR') console.error(e);
    error(d.code === 'FORBIDDEN' ? 403 : d.code === 'INTERNAL_SERVER_ERROR' ? 500 : 400, d.message);
  }
  forwardAuthCookies(headers, cookies);
  redirect(303, '/');
};

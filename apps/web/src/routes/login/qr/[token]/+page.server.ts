import { error, redirect } from '@sveltejs/kit';
import { describeError, phoneCodeAccount, signInWithPhoneCode } from '@medreg/core';
import type { Translate } from '@medreg/i18n';
import { forwardAuthCookies } from '$lib/server/auth-cookies';
import type { Actions, PageServerLoad } from './$types';

/** A refused code: the reason and the way to the login page (+error.svelte). */
function refused(e: unknown, t: Translate): never {
  const d = describeError(e, t);
  if (d.code === 'INTERNAL_SERVER_ERROR') console.error(e);
  error(d.code === 'FORBIDDEN' ? 403 : d.code === 'INTERNAL_SERVER_ERROR' ? 500 : 400, d.message);
}

/**
 * The address in a phone sign-in QR code. Opening it asks whether to sign in, and as whom: only the button (a
 * POST, so SvelteKit's origin check applies) takes the code, so a link preview or a link someone else sent signs
 * nobody in and spends no code. Signed in, the phone has a new session (cookie set as by a password sign-in) and
 * goes to the start page.
 */
export const load: PageServerLoad = async ({ params, locals }) => {
  try {
    return await phoneCodeAccount(locals.services, params.token);
  } catch (e) {
    refused(e, locals.t);
  }
};

export const actions: Actions = {
  default: async ({ params, request, cookies, locals }) => {
    let headers: Headers;
    try {
      headers = await signInWithPhoneCode(locals.services, params.token, request.headers);
    } catch (e) {
      refused(e, locals.t);
    }
    forwardAuthCookies(headers, cookies);
    redirect(303, '/');
  },
};

import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { signInWithPassword } from '@medreg/core';
import { forwardAuthCookies } from '$lib/server/auth-cookies';
import { safeNext } from '$lib/server/redirects';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
  if (locals.user) redirect(303, safeNext(url.searchParams.get('next')));
  const notice = url.searchParams.has('expired')
    ? locals.t('accounts.session.expired', { minutes: locals.services.sessionIdleMinutes ?? 30 })
    : url.searchParams.has('everywhere')
      ? locals.t('accounts.session.signedOutEverywhere')
      : null;
  return { notice };
};

const loginInput = z.object({ email: z.email().max(320), password: z.string().min(1).max(256) });

export const actions: Actions = {
  default: async ({ request, cookies, locals, url, getClientAddress }) => {
    const form = await request.formData();
    const email = String(form.get('email') ?? '').trim().toLowerCase();
    const parsed = loginInput.safeParse({ email, password: form.get('password') });
    const t = locals.t;
    if (!parsed.success) {
      const fieldErrors: Record<string, string> = {};
      for (const issue of parsed.error.issues) {
        const key = String(issue.path[0]);
        fieldErrors[key] ??= key === 'email' ? t('errors.invalidEmail') : t('errors.required');
      }
      return fail(400, { email, message: Object.values(fieldErrors)[0], fieldErrors });
    }
    // Through the auth library's HTTP route, so the per-client rate limit counts the form as it counts the API.
    const result = await signInWithPassword(
      locals.services,
      parsed.data,
      { address: getClientAddress(), userAgent: request.headers.get('user-agent') },
      t,
      locals.locale,
    );
    if (!result.ok) return fail(result.status, { email, message: result.message, fieldErrors: {} as Record<string, string> });
    forwardAuthCookies(result.headers, cookies);
    redirect(303, safeNext(url.searchParams.get('next')));
  },
};

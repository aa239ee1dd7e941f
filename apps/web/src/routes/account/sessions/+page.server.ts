import { redirect } from '@sveltejs/kit';
import QRCode from 'qrcode';
import { forwardAuthCookies } from '$lib/server/auth-cookies';
import { errorFrom, failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

/** Everyone's own sessions, "this device" marked, and the phone sign-in code. */
export const load: PageServerLoad = async ({ locals, depends }) => {
  depends('app:sessions');
  try {
    const sessions = await locals.api.sessions.list();
    return { sessions: sessions.map((s) => ({ ...s, current: s.id === locals.user?.sessionId })) };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

export const actions: Actions = {
  revoke: async ({ request, locals, cookies }) => {
    const sessionId = String((await request.formData()).get('sessionId') ?? '');
    // Signing out this very browser is a sign-out: its cookie goes too, and it lands on the login page.
    if (sessionId === locals.user?.sessionId) {
      const { headers } = await locals.services.auth.api.signOut({ headers: request.headers, returnHeaders: true });
      forwardAuthCookies(headers, cookies);
      redirect(303, '/login');
    }
    try {
      await locals.api.sessions.revoke({ sessionId });
    } catch (e) {
      return failFrom(e, locals.t);
    }
    return { revoked: true };
  },

  /** A new phone sign-in code as a QR code, drawn here (SVG, no other host); its address holds the token. */
  phone: async ({ locals }) => {
    try {
      const code = await locals.api.sessions.phoneCode();
      const svg = await QRCode.toString(code.url, { type: 'svg', margin: 4, errorCorrectionLevel: 'M' });
      // The countdown runs on the browser's clock: it gets the seconds left rather than the server's instant.
      const validFor = Math.round((Date.parse(code.expiresAt) - locals.services.now().getTime()) / 1000);
      return { phone: { id: code.id, expiresAt: code.expiresAt, validFor, svg } };
    } catch (e) {
      return failFrom(e, locals.t);
    }
  },
};

import { fail, redirect } from '@sveltejs/kit';
import { describeError, parseShortCode } from '@medreg/core';
import type { MessageKey } from '@medreg/i18n';
import type { Actions } from './$types';

export const actions: Actions = {
  /** Typed fallback for phones without a camera: a label code or an inventory number opens the device. */
  default: async ({ locals, request }) => {
    const q = String((await request.formData()).get('q') ?? '').trim().slice(0, 100);
    const refuse = (status: number, key: MessageKey) =>
      fail(status, { values: { q }, fieldErrors: { q: locals.t(key, { q }) } });
    if (!q) return refuse(400, 'errors.required');

    const code = parseShortCode(q);
    if (code.ok && (await visible(locals, code.code))) redirect(303, `/d/${code.code}`);

    const { items, total } = await locals.api.devices.list({ q, pageSize: 2 });
    // Inventory numbers are unique, so an exact match is the device meant even among prefix matches.
    const exact = items.find((d) => d.inventory_number.toLowerCase() === q.toLowerCase());
    if (exact) redirect(303, `/d/${exact.code}`);
    if (!code.ok && code.reason === 'checksum') return refuse(400, 'scan.wrongCharacter');
    if (total > 0) redirect(303, `/devices?${new URLSearchParams({ q })}`);
    return refuse(404, 'scan.notFound');
  },
};

async function visible(locals: App.Locals, code: string): Promise<boolean> {
  try {
    await locals.api.devices.get({ code });
    return true;
  } catch (e) {
    if (describeError(e, locals.t).code === 'NOT_FOUND') return false;
    throw e;
  }
}

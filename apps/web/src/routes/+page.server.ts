import { error, redirect } from '@sveltejs/kit';
import { describeError } from '@medreg/core';
import { failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

/** Each role's start page: what is theirs to do, each item linking to where it is done. */
export const load: PageServerLoad = async ({ locals, url }) => {
  try {
    const saved = Number(url.searchParams.get('saved') ?? 0);
    return {
      start: await locals.api.start.page(),
      flash: url.searchParams.has('confirmed') ? ('instruction.confirmed' as const) : url.searchParams.has('requested') ? ('instruction.requestDone' as const) : null,
      saved: Number.isInteger(saved) && saved > 0 ? saved : null,
    };
  } catch (e) {
    error(500, describeError(e, locals.t).message);
  }
};

export const actions: Actions = {
  /** One tap from the list of missing instructions, like the device page's button. */
  request: async ({ locals, request }) => {
    const form = await request.formData();
    try {
      const { device } = await locals.api.devices.get({ code: String(form.get('code') ?? '') });
      await locals.api.instructions.request({ deviceId: device.id });
    } catch (e) {
      return failFrom(e, locals.t);
    }
    redirect(303, '/?requested=1');
  },
  confirm: async ({ locals, request }) => {
    const form = await request.formData();
    try {
      await locals.api.instructions.confirm({ instructionId: String(form.get('instructionId') ?? '') });
    } catch (e) {
      return failFrom(e, locals.t);
    }
    redirect(303, '/?confirmed=1');
  },
};

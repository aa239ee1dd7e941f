import { error } from '@sveltejs/kit';
import { describeError } from '@medreg/core';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  try {
    return { locks: await locals.api.lockout.open() };
  } catch (e) {
    error(403, describeError(e, locals.t).message);
  }
};

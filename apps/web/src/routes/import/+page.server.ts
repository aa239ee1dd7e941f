import { error, redirect } from '@sveltejs/kit';
import { describeError } from '@medreg/core';
import { failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

const keepers = ['manager', 'admin'];

/** The import: upload (step 1), the mapping of the upload named in ?upload= (step 2), the dry run (step 3, as action data). */
export const load: PageServerLoad = async ({ locals, url }) => {
  if (!locals.user || !keepers.includes(locals.user.role)) error(403, locals.t('errors.forbidden'));
  const uploadId = url.searchParams.get('upload');
  if (!uploadId) return { draft: null, expired: false };
  try {
    return { draft: await locals.api.imports.draft({ uploadId }), expired: false };
  } catch (e) {
    const d = describeError(e, locals.t);
    if (d.code === 'BAD_REQUEST') return { draft: null, expired: true };
    error(d.code === 'FORBIDDEN' ? 403 : 500, d.message);
  }
};

/** The column assignment as the form sent it, to show again after a refusal. */
const mappingOf = (form: FormData) => {
  const out: string[] = [];
  for (const [k, v] of form) if (/^map\.\d+$/.test(k)) out[Number(k.slice(4))] = String(v);
  return Array.from(out, (v) => v ?? '');
};

export const actions: Actions = {
  upload: async ({ locals, request }) => {
    const form = await request.formData();
    let uploadId: string;
    try {
      ({ uploadId } = await locals.api.imports.upload(form));
    } catch (e) {
      return failFrom(e, locals.t, { step: 'upload' });
    }
    redirect(303, `/import?upload=${uploadId}`);
  },
  check: async ({ locals, request }) => {
    const form = await request.formData();
    const mapping = mappingOf(form);
    try {
      return { check: await locals.api.imports.check(form), mapping };
    } catch (e) {
      return failFrom(e, locals.t, { step: 'check', mapping });
    }
  },
  start: async ({ locals, request }) => {
    const form = await request.formData();
    const mapping = mappingOf(form);
    let importId: string;
    try {
      ({ importId } = await locals.api.imports.start(form));
    } catch (e) {
      return failFrom(e, locals.t, { step: 'start', mapping });
    }
    redirect(303, `/import/${importId}`);
  },
};

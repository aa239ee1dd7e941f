import { redirect } from '@sveltejs/kit';
import { today } from '@medreg/core';
import { errorFrom, failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

/** `?model=&site=&department=&trainees=a,b`: "plan a session" from requests or the matrix prefills it. */
export const load: PageServerLoad = async ({ locals, url }) => {
  const chosen = (url.searchParams.get('trainees') ?? '').split(',').filter(Boolean).slice(0, 500);
  try {
    const departmentId = url.searchParams.get('department') || undefined;
    const options = await locals.api.instructions.formOptions({ departmentId, include: chosen });
    const modelId = url.searchParams.get('model') ?? '';
    const siteId = url.searchParams.get('site') || options.departments.find((d) => d.id === departmentId)?.site_id || (options.sites.length === 1 ? options.sites[0]!.id : '');
    // The session's id, fixed when the form opens: a double submit records it once.
    return { ...options, departmentId: departmentId ?? '', modelId, siteId, chosen, today: today(new Date()), sessionId: crypto.randomUUID() };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

export const actions: Actions = {
  default: async ({ locals, request }) => {
    const form = await request.formData();
    const text = (k: string) => String(form.get(k) ?? '').trim();
    const values = {
      id: text('id') || undefined,
      modelId: text('modelId'),
      siteId: text('siteId'),
      instructorRole: text('instructorRole') as 'manufacturer' | 'authorised' | 'appointed',
      instructorUserId: text('instructorUserId') || undefined,
      instructorName: text('instructorName') || undefined,
      method: text('method') as 'in_person' | 'on_device' | 'online',
      instructedOn: text('instructedOn'),
      softwareVersion: text('softwareVersion') || undefined,
      validMonths: text('validMonths') === '' ? undefined : Number(text('validMonths')),
      trainees: form.getAll('trainees').map(String),
      paperSigned: form.get('paperSigned') === 'on',
      remark: text('remark') || undefined,
    };
    let saved;
    try {
      saved = await locals.api.instructions.record(values);
    } catch (e) {
      return failFrom(e, locals.t, values);
    }
    // An appointed nurse has no instructions overview: her start page says it.
    redirect(303, locals.user?.role === 'nurse' ? `/?saved=${saved.trainees}` : `/instructions?saved=${saved.trainees}`);
  },
};

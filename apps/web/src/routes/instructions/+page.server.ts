import { redirect } from '@sveltejs/kit';
import { today } from '@medreg/core';
import { errorFrom, failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

/** Instructions for technicians and managers: open requests to plan from, and the appointed persons. */
export const load: PageServerLoad = async ({ locals, url }) => {
  if (locals.user?.role === 'nurse') redirect(303, '/');
  try {
    const manager = locals.user?.role === 'manager' || locals.user?.role === 'admin';
    const [requests, appointments, options] = await Promise.all([
      locals.api.instructions.openRequests(),
      locals.api.instructions.appointments(),
      manager ? locals.api.instructions.formOptions({ departmentId: 'all' }) : null,
    ]);
    const saved = Number(url.searchParams.get('saved') ?? 0);
    return {
      requests,
      appointments,
      options,
      today: today(new Date()),
      saved: Number.isInteger(saved) && saved > 0 ? saved : null,
      flash: url.searchParams.has('appointed') ? ('instruction.appointed' as const) : url.searchParams.has('ended') ? ('instruction.appointmentEnded' as const) : null,
    };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

export const actions: Actions = {
  appoint: async ({ locals, request }) => {
    const form = await request.formData();
    const text = (k: string) => String(form.get(k) ?? '').trim();
    const values = { modelId: text('modelId'), siteId: text('siteId'), userId: text('userId'), instructedOn: text('instructedOn'), instructorName: text('instructorName'), evidence: text('evidence') };
    try {
      await locals.api.instructions.appoint(values);
    } catch (e) {
      return failFrom(e, locals.t, values);
    }
    redirect(303, '/instructions?appointed=1');
  },
  end: async ({ locals, request }) => {
    const form = await request.formData();
    try {
      await locals.api.instructions.endAppointment({ id: String(form.get('id') ?? '') });
    } catch (e) {
      return failFrom(e, locals.t);
    }
    redirect(303, '/instructions?ended=1');
  },
};

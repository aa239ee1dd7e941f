import { redirect } from '@sveltejs/kit';
import { describeError } from '@medreg/core';
import { errorFrom, failFrom } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

const PAGE_SIZE = 25;

/** Query-string names of the filters: short, so that a list can be bookmarked and shared. */
const FILTERS = ['q', 'site', 'ward', 'model', 'kind', 'status', 'anlage', 'due', 'mine', 'sort'] as const;
export type ListFilters = Partial<Record<(typeof FILTERS)[number], string>>;

/**
 * The device list: one search box and the filters as a GET form (works without JavaScript, every view has its
 * address). A value the API refuses (a hand-edited address) shows its message at the filter, not an error page.
 */
export const load: PageServerLoad = async ({ locals, url }) => {
  const param = (name: string) => url.searchParams.get(name)?.trim() || undefined;
  const filters: ListFilters = Object.fromEntries(FILTERS.map((f) => [f, param(f)]).filter(([, v]) => v !== undefined));
  const pageParam = Number.parseInt(param('page') ?? '1', 10);
  const page = Number.isNaN(pageParam) ? 1 : Math.max(1, Math.min(100_000, pageParam));
  const staff = locals.user?.role !== 'nurse';
  const input = {
    q: filters.q?.slice(0, 100),
    siteId: filters.site,
    departmentId: filters.ward,
    modelId: filters.model,
    kind: filters.kind,
    status: filters.status as 'in_service' | undefined,
    // Anything else than 1 or 2 is refused by the schema, with its message at the filter.
    anlage: filters.anlage ? (Number(filters.anlage) as 1 | 2) : undefined,
    due: filters.due as 'overdue' | undefined,
    mine: filters.mine === '1' ? true : undefined,
    sort: filters.sort as 'inventory' | undefined,
    files: filters.q ? true : undefined,
    page,
    pageSize: PAGE_SIZE,
  };
  try {
    const [options, lockedCount] = await Promise.all([locals.api.devices.filters(), staff ? locals.api.lockout.openCount() : null]);
    // A ward kept from before another site was chosen would empty the list: the site wins, the ward is dropped.
    const ward = options.departments.find((d) => d.id === filters.ward);
    if (filters.site && ward && ward.site_id !== filters.site) {
      delete filters.ward;
      input.departmentId = undefined;
    }
    try {
      const result = await locals.api.devices.list(input);
      return { filters, options, lockedCount, result, refused: null };
    } catch (e) {
      const d = describeError(e, locals.t);
      if (d.code !== 'BAD_REQUEST') throw e;
      // Named after the query-string field the user sees.
      const names: Record<string, string> = { siteId: 'site', departmentId: 'ward', modelId: 'model' };
      const fieldErrors = Object.fromEntries(Object.entries(d.fieldErrors ?? {}).map(([k, v]) => [names[k] ?? k, v]));
      return { filters, options, lockedCount, result: { items: [], total: 0, page: 1, pageSize: PAGE_SIZE, kinds: [], fileHits: [] }, refused: { message: d.message, fieldErrors } };
    }
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

/** Back to the list as it was: only a relative address of this page, never another site. */
function back(form: FormData, extra: Record<string, string>) {
  const from = String(form.get('return') ?? '');
  const params = new URLSearchParams(from.startsWith('?') ? from.slice(1) : '');
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  return `/devices?${params}`;
}

export const actions: Actions = {
  /** The star: one of "my devices" or not. */
  favourite: async ({ locals, request }) => {
    const form = await request.formData();
    const deviceId = String(form.get('deviceId') ?? '');
    const favourite = form.get('favourite') === '1';
    try {
      await locals.api.devices.setFavourite({ deviceId, favourite });
    } catch (e) {
      return failFrom(e, locals.t, { deviceId });
    }
    redirect(303, `${back(form, {})}#device-${deviceId}`);
  },
};

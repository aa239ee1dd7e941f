import type { PageServerLoad } from './$types';

const PAGE_SIZE = 25;

export const load: PageServerLoad = async ({ locals, url }) => {
  const q = (url.searchParams.get('q') ?? '').slice(0, 100);
  const page = Math.max(1, Math.min(100_000, Number.parseInt(url.searchParams.get('page') ?? '1', 10) || 1));
  const staff = locals.user?.role !== 'nurse';
  const [result, lockedCount] = await Promise.all([
    locals.api.devices.list({ q: q || undefined, page, pageSize: PAGE_SIZE }),
    staff ? locals.api.lockout.openCount() : null,
  ]);
  return { q, result, lockedCount };
};

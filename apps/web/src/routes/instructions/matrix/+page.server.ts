import { errorFrom } from '$lib/server/forms';
import type { PageServerLoad } from './$types';

/** `?scope=department:<id>` or `site:<id>`; without one, the first ward. */
export const load: PageServerLoad = async ({ locals, url }) => {
  try {
    const scopes = await locals.api.instructions.scopes();
    const raw = url.searchParams.get('scope') ?? `department:${scopes.departments[0]?.id ?? ''}`;
    const [kind, id = ''] = raw.split(':');
    const scope = kind === 'site' ? { siteId: id } : { departmentId: id };
    const includeBlocked = url.searchParams.get('blocked') === '1';
    const onlyGaps = url.searchParams.get('gaps') === '1';
    const matrix = await locals.api.instructions.matrix({ scope, includeBlocked });
    return { scopes, scopeParam: raw, includeBlocked, onlyGaps, matrix, siteId: kind === 'site' ? id : (scopes.departments.find((d) => d.id === id)?.site_id ?? '') };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};

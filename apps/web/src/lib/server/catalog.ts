import { version } from '$app/environment';
import { catalogs, type Locale } from '@medreg/i18n';

const bodies = new Map<Locale, string>();

/** One language's messages as JSON (see catalogUrl); an address of this build's version never changes. */
export function catalogResponse(locale: Locale, url: URL): Response {
  let body = bodies.get(locale);
  if (!body) bodies.set(locale, (body = JSON.stringify(catalogs[locale])));
  const cache = url.searchParams.get('v') === version ? 'public, max-age=31536000, immutable' : 'no-cache';
  return new Response(body, { headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': cache } });
}

import { subscribe } from 'node:diagnostics_channel';
import type { ServerResponse } from 'node:http';
import { securityHeaders } from '@medreg/api';

/**
 * Gives every HTTP response of this process the security headers, set as the request arrives: pages, static files
 * (adapter-node serves /_app before any hook runs), SvelteKit's own refusals and redirects. Headers a response sets
 * itself (a page's hashed CSP, the API's) are added on top.
 */
export function securityHeadersOnEveryResponse(baseUrl: string): void {
  const headers = Object.entries(securityHeaders(baseUrl));
  subscribe('http.server.request.start', (message) => {
    const { response } = message as { response: ServerResponse };
    for (const [name, value] of headers) response.setHeader(name, value);
  });
}

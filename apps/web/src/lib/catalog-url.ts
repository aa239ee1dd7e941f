import { version } from '$app/environment';
import type { Locale } from '@medreg/i18n/browser';

/** Where a browser gets one language's messages: the build's version in the address lets it keep them for good. */
export const catalogUrl = (locale: Locale) => `/i18n/${locale}.json?v=${encodeURIComponent(version)}`;

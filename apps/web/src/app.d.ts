import type { createCaller, Services, SessionUser } from '@medreg/core';
import type { Locale, Translate } from '@medreg/i18n';

declare global {
  namespace App {
    interface Locals {
      services: Services;
      user: SessionUser | null;
      locale: Locale;
      t: Translate;
      /** tRPC caller acting as the signed-in user. */
      api: ReturnType<typeof createCaller>;
    }
    interface PageData {
      locale: Locale;
      user: SessionUser | null;
    }
  }
}

export {};

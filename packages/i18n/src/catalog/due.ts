import type { Widen } from '../widen.js';

/** The due list (Fälligkeitsliste). */
export const en = {
  title: 'Due inspections',
  nav: 'Due',
} as const;

export const de: Widen<typeof en> = {
  title: 'Fällige Prüfungen',
  nav: 'Fällig',
};

import type { Widen } from '../widen.js';

/** The due list (Fälligkeitsliste). */
export const en = {
  title: 'Due inspections',
} as const;

export const de: Widen<typeof en> = {
  title: 'Fällige Prüfungen',
};

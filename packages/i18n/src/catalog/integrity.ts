import type { Widen } from '../widen.js';

/** Verifying the logbook hash chains. */
export const en = {
  title: 'TODO',
} as const;

export const de: Widen<typeof en> = {
  title: 'TODO',
};

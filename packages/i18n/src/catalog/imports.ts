import type { Widen } from '../widen.js';

/** Importing and exporting the register as CSV. */
export const en = {
  title: 'TODO',
} as const;

export const de: Widen<typeof en> = {
  title: 'TODO',
};

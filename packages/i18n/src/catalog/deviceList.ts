import type { Widen } from '../widen.js';

/** The device list: search, filters, favourites. */
export const en = {
  title: 'TODO',
} as const;

export const de: Widen<typeof en> = {
  title: 'TODO',
};

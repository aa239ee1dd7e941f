import type { Widen } from '../widen.js';

/** Device files: manuals, pictures, declarations of conformity, protocols. */
export const en = {
  title: 'TODO',
} as const;

export const de: Widen<typeof en> = {
  title: 'TODO',
};

import type { Widen } from '../widen.js';

/** The register: devices, models, locations, their edit history. */
export const en = {
  errors: {
    year: 'Enter the year of acquisition as four digits, e.g. 2021.',
    notifiedBody: 'The notified body number has four digits, e.g. 0123.',
  },
} as const;

export const de: Widen<typeof en> = {
  errors: {
    year: 'Geben Sie das Anschaffungsjahr vierstellig ein, z. B. 2021.',
    notifiedBody: 'Die Nummer der Benannten Stelle hat vier Ziffern, z. B. 0123.',
  },
};

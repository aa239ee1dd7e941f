import type { Widen } from '../widen.js';

/** The register (Bestandsverzeichnis) and logbook (Medizinproduktebuch) PDFs. */
export const en = {
  title: 'TODO',
} as const;

export const de: Widen<typeof en> = {
  title: 'TODO',
};

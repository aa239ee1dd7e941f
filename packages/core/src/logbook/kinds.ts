import { z } from 'zod';
import type { LogbookKind } from '@medreg/db';

/** Kinds of logbook entries (Maßnahmen), in the order the device page's filter offers them. */
export const LOGBOOK_KINDS = [
  'inspection', 'maintenance', 'repair', 'functional_test', 'software_update', 'defect_report', 'incident', 'lock', 'release',
  'instruction', 'relocation', 'commissioning', 'decommissioning', 'correction', 'note',
] as const satisfies readonly LogbookKind[];

export const logbookKinds = z.enum(LOGBOOK_KINDS);

import type { Kysely } from 'kysely';
import type { Database } from '@medreg/db';
import type { SessionUser } from '../context.js';
import { appointedPersons } from './appointed.server.js';
import { firstUseTest } from './first-use.server.js';
import { sessionsOnModel } from './sessions.server.js';

/**
 * Sessions on a device's model at its site, the appointed persons there, and the first-use test, for a device the
 * user may see. Who attended: of every session (`'all'`), of one session (its id), or of none (undefined).
 */
export async function deviceInstructions(
  db: Kysely<Database>,
  user: SessionUser,
  device: { id: string; model_id: string; site_id: string; anlage1: number },
  namesOf?: string,
) {
  const [sessions, appointed, firstUse] = await Promise.all([
    // Nurses see that sessions took place, not who else attended.
    sessionsOnModel(db, device.model_id, device.site_id, { withNames: user.role !== 'nurse' && namesOf !== undefined, namesOf: namesOf === 'all' ? undefined : namesOf }),
    appointedPersons(db, device.model_id, device.site_id),
    device.anlage1 === 1 ? firstUseTest(db, device.id) : null,
  ]);
  return { sessions, appointed, firstUse, firstUseRequired: device.anlage1 === 1 };
}

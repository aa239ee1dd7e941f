import type { Kysely } from 'kysely';
import type { Database, LogbookKind } from '@medreg/db';
import type { SessionUser } from '../context.js';
import { defectsOfDevice, openIncidentReport } from '../defects/defects.server.js';
import { filesOfDevice } from '../files/device-files.server.js';
import { today } from '../inspections/due.js';
import { assignedTypes } from '../inspections/queries.server.js';
import { appointedPersons } from '../instructions/appointed.server.js';
import { deviceInstructions } from '../instructions/of-device.server.js';
import { instructionsOf } from '../instructions/queries.server.js';
import { openRequestOf } from '../instructions/requests.server.js';
import { verdict } from '../instructions/verdict.js';
import { lockState } from '../lockout/lock.server.js';
import { listEntries } from '../logbook/queries.server.js';
import { AppError, notFound } from '../trpc/errors.js';
import { logAccess } from '../users/access-log.server.js';
import { getDevice } from './queries.server.js';
import { parseShortCode } from './short-code.js';

/** A device by id or by its label code (as typed or scanned: any case, with or without dashes). */
export type DeviceRef = { id: string } | { code: string };

/** A device with its lock state, due inspections, the user's verdict and, when the verdict asks for it, whom to ask. */
export async function deviceDetail(db: Kysely<Database>, user: SessionUser, ref: DeviceRef, now: Date) {
  let by = ref;
  if ('code' in ref) {
    const parsed = parseShortCode(ref.code);
    if (!parsed.ok) throw new AppError('NOT_FOUND', 'device.malformedCode', { code: ref.code.slice(0, 40) });
    by = { code: parsed.code };
  }
  const device = await getDevice(db, user, by);
  if (!device) throw notFound('errors.deviceNotFound');
  const on = today(now);
  const [locking, inspections, instructions, incident] = await Promise.all([
    lockState(db, device.id, now),
    assignedTypes(db, device, on),
    instructionsOf(db, user.id, device.model_id),
    openIncidentReport(db, device.id),
  ]);
  const answer = verdict({
    today: on,
    device: { status: device.status, anlage1: device.anlage1 === 1, softwareVersion: device.software_version },
    lock: locking.lock ? { lockedAt: locking.lock.locked_at, reason: locking.lock.reason } : null,
    incidentReport: incident ? { reportedAt: incident.reported_at, text: incident.text } : null,
    inspections: inspections.map((i) => ({ code: i.code, dueOn: i.due_on, failedOn: i.failed ? i.last_on : null })),
    instructions,
  });
  // Only when the answer is "get instructed": whom to ask on this site, and whether the user already asked.
  const needsInstruction = answer.reasons.some((r) => r.kind === 'not_instructed' || r.kind === 'instruction_expired' || r.kind === 'software_changed');
  const instructionHelp = needsInstruction
    ? await Promise.all([appointedPersons(db, device.model_id, device.site_id), openRequestOf(db, user.id, device.model_id)]).then(
        ([appointed, request]) => ({ appointed, request: request ?? null }),
      )
    : null;
  return { device, ...locking, inspections, verdict: answer, instructionHelp };
}

/**
 * Everything the device page (`/d/<code>`) shows: the detail, the logbook (of some kinds only, with the
 * corrections that may point at them), instructions (who attended: of the session `peopleOf` only), defect reports
 * and files. The device is read and its access checked once, where the separate procedures would each do it again.
 */
export async function devicePage(db: Kysely<Database>, user: SessionUser, ref: DeviceRef, now: Date, kinds?: LogbookKind[], peopleOf?: string) {
  const detail = await deviceDetail(db, user, ref, now);
  const { device } = detail;
  const [logbook, instructions, defects, files] = await Promise.all([
    listEntries(db, device.id, { kinds }),
    deviceInstructions(db, user, device, peopleOf),
    defectsOfDevice(db, user.id, device.id),
    filesOfDevice(db, user, device),
  ]);
  if (instructions.sessions.some((s) => (s.trainees?.length ?? 0) > 0))
    await logAccess(db, user.id, 'instruction_attendees', `model:${device.model_id}@site:${device.site_id}`, now);
  return { ...detail, logbook, instructions, defects, files };
}

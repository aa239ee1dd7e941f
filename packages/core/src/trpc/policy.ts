import type { Role } from '@medreg/db';

/**
 * Who may call what: every tRPC procedure and every HTTP route of the API, in one table. The checks live next
 * to the code (`allow(...)` on a procedure, a role test in a route); this table is the reviewed statement of
 * them, and the access-matrix test (apps/api/src/access-matrix.test.ts) calls everything as every role and
 * compares. A procedure or route without an entry here fails that test.
 */
export interface Access {
  /** 'anyone' includes anonymous callers; otherwise the roles that get past the role check. */
  roles: 'anyone' | readonly Role[];
  /** Nurses reach only devices of their own wards; any other device answers "not found". */
  ward?: true;
  /** Why an open entry is open, or what is checked beyond the role. */
  note?: string;
}

const everyone = ['nurse', 'technician', 'manager', 'admin'] as const satisfies readonly Role[];
const staff = ['technician', 'manager', 'admin'] as const satisfies readonly Role[];
const managers = ['manager', 'admin'] as const satisfies readonly Role[];
const admins = ['admin'] as const satisfies readonly Role[];

const all: Access = { roles: everyone };
const allWard: Access = { roles: everyone, ward: true };
const technicians: Access = { roles: staff };
const management: Access = { roles: managers };
const administration: Access = { roles: admins };

export const procedurePolicy: Record<string, Access> = {
  'users.me': { roles: 'anyone', note: 'null when signed out' },
  'users.changePassword': { roles: everyone, note: 'one’s own; also before an initial password is replaced' },
  'users.signOutEverywhere': { roles: everyone, note: 'one’s own sessions' },
  'users.list': administration,
  'users.get': administration,
  'users.departments': administration,
  'users.invite': administration,
  'users.update': administration,
  'users.resetPassword': { roles: admins, note: 'never one’s own password' },
  'users.block': { roles: admins, note: 'never one’s own account' },
  'users.unblock': administration,

  'devices.list': allWard,
  'devices.filters': all,
  'devices.setFavourite': allWard,
  'devices.get': allWard,
  'devices.page': allWard,
  'logbook.list': allWard,

  'inspections.record': technicians,
  'inspections.formContext': technicians,
  'inspections.stage': technicians,
  'measures.record': technicians,
  'due.list': technicians,
  'due.overview': technicians,
  'due.filters': technicians,
  'reminders.settings': technicians,
  'reminders.setDigest': technicians,
  'reminders.createToken': technicians,
  'reminders.revokeToken': technicians,

  'lockout.lock': technicians,
  'lockout.release': { roles: staff, note: 'technicians after a passed test only; managers also with a reason' },
  'lockout.releaseOptions': technicians,
  'lockout.reportIncident': management,
  'lockout.open': technicians,
  'lockout.openCount': technicians,

  'labels.options': technicians,
  'labels.count': technicians,

  'instructions.ofDevice': allWard,
  'instructions.formOptions': { roles: staff, note: 'nurses too where appointed: their models and sites, only people of those sites' },
  'instructions.record': { roles: everyone, note: 'nurses only as appointed person for the model at that site' },
  'instructions.confirm': { roles: everyone, note: 'only the trainee' },
  'instructions.request': allWard,
  'instructions.withdrawRequest': { roles: everyone, note: 'only the requester' },
  'instructions.openRequests': all,
  'instructions.appointed': all,
  'instructions.appointments': technicians,
  'instructions.appoint': management,
  'instructions.endAppointment': management,
  'instructions.recordFirstUseTest': technicians,
  'instructions.scopes': management,
  'instructions.matrix': management,
  'instructions.personRecord': { roles: everyone, note: "one's own; someone else's for managers and admins (access log)" },

  'defects.report': allWard,
  'defects.handle': technicians,
  'defects.queue': technicians,
  'defects.ofDevice': allWard,

  'start.page': all,

  'inspectionTypes.list': management,
  'inspectionTypes.get': management,
  'inspectionTypes.create': management,
  'inspectionTypes.update': management,
  'inspectionTypes.archive': management,
  'inspectionTypes.setAssignments': management,
  'inspectionTypes.ofDevice': management,
  'inspectionTypes.setOverride': management,
  'inspectionTypes.clearOverride': management,

  'instruments.list': technicians,
  'instruments.create': technicians,
  'instruments.update': technicians,
  'instruments.retire': technicians,

  'register.options': management,
  'register.device': management,
  'register.createDevice': management,
  'register.updateDevice': management,
  'register.moveDevice': management,
  'register.decommissionDevice': management,
  'register.manufacturers': management,
  'register.createManufacturer': management,
  'register.updateManufacturer': management,
  'register.models': management,
  'register.model': management,
  'register.modelOptions': management,
  'register.createModel': management,
  'register.updateModel': management,
  'register.setModelTypes': management,
  'register.locations': management,
  'register.createLocation': management,
  'register.renameLocation': management,
  'register.moveDepartment': management,

  'files.list': { roles: everyone, ward: true, note: 'staff-only files hidden from nurses' },
  'files.upload': technicians,
  'files.withdraw': management,

  'imports.upload': management,
  'imports.draft': management,
  'imports.check': management,
  'imports.start': management,
  'imports.progress': management,

  'reports.logbook': allWard,
  'reports.registerSites': { roles: everyone, note: 'site names only; the register itself is for staff' },

  'integrity.status': management,
  'integrity.start': management,
  'integrity.compareSeal': management,

  'sessions.list': { roles: everyone, note: 'one’s own sessions' },
  'sessions.revoke': { roles: everyone, note: 'one’s own sessions' },
  'sessions.phoneCode': { roles: everyone, note: 'signs a phone in as oneself' },
  'sessions.phoneCodeState': { roles: everyone, note: 'one’s own codes' },

  'privacy.people': administration,
  'privacy.person': administration,
  'privacy.pseudonymise': { roles: admins, note: 'typed confirmation; never one’s own account' },
  'privacy.accessLog': administration,
};

/** HTTP routes of the API outside tRPC, keyed "METHOD path" as Hono registers them. */
export const routePolicy: Record<string, Access> = {
  'GET /api/health': { roles: 'anyone', note: 'says only that the database answers' },
  'GET /api/auth/*': { roles: 'anyone', note: 'sign-in; rate-limited per client' },
  'POST /api/auth/*': { roles: 'anyone', note: 'sign-in; rate-limited per client' },
  'GET /api/calendar/:token': { roles: 'anyone', note: 'the secret token in the address is the credential' },
  'GET /api/files/:id': { roles: everyone, ward: true, note: 'staff-only files hidden from nurses' },
  'GET /api/devices/:id/lockout-card.pdf': allWard,
  'GET /api/inspections/:entryId/mtk-sticker.pdf': allWard,
  'GET /api/labels.pdf': technicians,
  'GET /api/instructions/matrix.csv': management,
  'GET /api/instructions/matrix.pdf': management,
  'GET /api/instructions/record.pdf': { roles: everyone, note: "one's own; someone else's for managers and admins" },
  'GET /api/register/devices.csv': technicians,
  'GET /api/register/sites/:siteId/register.pdf': technicians,
  'GET /api/devices/:id/logbook.pdf': allWard,
  'GET /api/people/:id/export.json': { roles: admins, note: 'written to the access log' },
};

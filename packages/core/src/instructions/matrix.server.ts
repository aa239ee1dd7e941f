import type { Kysely } from 'kysely';
import type { Database } from '@medreg/db';
import { notFound } from '../trpc/errors.js';
import type { CalendarDate } from '../inspections/due.js';
import { asRecord, instructionRowsOf } from './queries.server.js';
import { instructionStatus, type InstructionRecord, type InstructionState } from './status.js';

export type MatrixScope = { departmentId: string } | { siteId: string };

export interface MatrixCell {
  state: InstructionState;
  until: CalendarDate | null;
}

const CHUNK = 2000;

/**
 * The training matrix (Einweisungsmatrix): the people of a ward or site against the Anlage 1 models in use
 * there (non-decommissioned devices), each cell their instruction status on that model.
 */
export async function trainingMatrix(
  db: Kysely<Database>,
  today: CalendarDate,
  scope: MatrixScope,
  opts: { includeBlocked?: boolean; modelId?: string } = {},
) {
  const departments = await db
    .selectFrom('departments as d')
    .innerJoin('sites as s', 's.id', 'd.site_id')
    .select(['d.id', 'd.name', 's.id as site_id', 's.name as site_name'])
    .where('departmentId' in scope ? 'd.id' : 'd.site_id', '=', 'departmentId' in scope ? scope.departmentId : scope.siteId)
    .execute();
  if (departments.length === 0) {
    if ('departmentId' in scope) throw notFound();
    const site = await db.selectFrom('sites').select('name').where('id', '=', scope.siteId).executeTakeFirst();
    if (!site) throw notFound();
  }
  const departmentIds = departments.map((d) => d.id);
  const scopeName =
    'departmentId' in scope ? `${departments[0]!.name} · ${departments[0]!.site_name}` : (departments[0]?.site_name ?? '');

  let peopleQuery = db
    .selectFrom('users as u')
    .select(['u.id', 'u.name', 'u.role', 'u.blocked_at'])
    .where('u.id', 'in', (eb) => eb.selectFrom('user_departments').select('user_id').where('department_id', 'in', departmentIds.length ? departmentIds : ['']))
    .orderBy('u.name');
  if (!opts.includeBlocked) peopleQuery = peopleQuery.where('u.blocked_at', 'is', null);

  let modelQuery = db
    .selectFrom('device_models as m')
    .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
    .where('m.anlage1', '=', 1)
    .where('m.id', 'in', (eb) => {
      let devices = eb.selectFrom('devices').select('devices.model_id').where('devices.status', '!=', 'decommissioned');
      devices =
        'departmentId' in scope ? devices.where('devices.department_id', '=', scope.departmentId) : devices.where('devices.site_id', '=', scope.siteId);
      return devices;
    })
    .select(['m.id', 'm.name', 'mf.name as manufacturer_name', 'm.software_version', 'm.instruction_validity_months'])
    .orderBy('m.name');
  if (opts.modelId) modelQuery = modelQuery.where('m.id', '=', opts.modelId);

  const [people, models] = await Promise.all([peopleQuery.execute(), modelQuery.execute()]);
  const records = new Map<string, InstructionRecord[]>();
  if (people.length && models.length) {
    for (let i = 0; i < people.length; i += CHUNK) {
      const rows = await instructionRowsOf(db, people.slice(i, i + CHUNK).map((p) => p.id), models.map((m) => m.id));
      for (const r of rows) {
        const key = `${r.user_id}|${r.model_id}`;
        const list = records.get(key) ?? [];
        list.push(asRecord(r));
        records.set(key, list);
      }
    }
  }
  const rows = people.map((p) => ({
    id: p.id,
    name: p.name,
    role: p.role,
    blocked: p.blocked_at !== null,
    cells: models.map((m): MatrixCell => {
      const s = instructionStatus(today, m.software_version, records.get(`${p.id}|${m.id}`) ?? []);
      return { state: s.state, until: s.until };
    }),
  }));
  const gaps = models.map((_, i) => rows.filter((r) => !r.blocked && !['current', 'expiring'].includes(r.cells[i]!.state)).length);
  return { scopeName, today, departments, models, people: rows, gaps };
}

/** A person's own instruction record (Gerätepass): every instruction and appointment, newest first. */
export async function instructionRecordOf(db: Kysely<Database>, userId: string, today: CalendarDate) {
  const person = await db.selectFrom('users').select(['id', 'name', 'role', 'blocked_at']).where('id', '=', userId).executeTakeFirst();
  if (!person) throw notFound();
  const [departments, instructions, appointments] = await Promise.all([
    db
      .selectFrom('user_departments as ud')
      .innerJoin('departments as d', 'd.id', 'ud.department_id')
      .innerJoin('sites as s', 's.id', 'd.site_id')
      .where('ud.user_id', '=', userId)
      .select(['d.name', 's.name as site_name'])
      .orderBy('d.name')
      .execute(),
    db
      .selectFrom('instruction_trainees as t')
      .innerJoin('instructions as i', 'i.id', 't.instruction_id')
      .innerJoin('device_models as m', 'm.id', 'i.model_id')
      .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
      .where('t.user_id', '=', userId)
      .select([
        'i.id',
        'i.model_id',
        'm.name as model_name',
        'mf.name as manufacturer_name',
        'm.software_version as current_software',
        'i.instructed_on',
        'i.instructor_name',
        'i.instructor_role',
        'i.method',
        'i.software_version',
        'i.valid_until',
        't.confirmed_at',
        't.confirmation',
      ])
      .orderBy('i.instructed_on', 'desc')
      .execute(),
    db
      .selectFrom('appointed_persons as a')
      .innerJoin('device_models as m', 'm.id', 'a.model_id')
      .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
      .innerJoin('sites as s', 's.id', 'a.site_id')
      .where('a.user_id', '=', userId)
      .where('a.ended_at', 'is', null)
      .select(['m.name as model_name', 'mf.name as manufacturer_name', 's.name as site_name', 'a.appointed_at', 'a.instructed_on'])
      .orderBy('m.name')
      .execute(),
  ]);
  return {
    person: { id: person.id, name: person.name, role: person.role, blocked: person.blocked_at !== null },
    departments: departments.map((d) => `${d.name} · ${d.site_name}`),
    // Each record's own standing today: an old one may have expired although a newer one is current.
    instructions: instructions.map((i) => ({
      ...i,
      state: instructionStatus(today, i.current_software, [
        { instructedOn: i.instructed_on, validUntil: i.valid_until, softwareVersion: i.software_version },
      ]).state,
    })),
    appointments,
  };
}

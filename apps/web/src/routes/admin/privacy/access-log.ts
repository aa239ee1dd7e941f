import type { MessageKey, Translate } from '@medreg/i18n';

/** Every action `logAccess` writes (packages/core: grep `logAccess(`), with its words in privacy.log.actions. */
export const ACCESS_ACTIONS = {
  personal_data_export: 'privacy.log.actions.personal_data_export',
  personal_data_pseudonymise: 'privacy.log.actions.personal_data_pseudonymise',
  personal_data_view: 'privacy.log.actions.personal_data_view',
  personal_data_search: 'privacy.log.actions.personal_data_search',
  instruction_record: 'privacy.log.actions.instruction_record',
  instruction_matrix: 'privacy.log.actions.instruction_matrix',
  logbook_pdf: 'privacy.log.actions.logbook_pdf',
  instruction_attendees: 'privacy.log.actions.instruction_attendees',
  'users.list': 'privacy.log.actions.users_list',
  'users.get': 'privacy.log.actions.users_get',
  'users.invite': 'privacy.log.actions.users_invite',
  'users.update': 'privacy.log.actions.users_update',
  'users.reset_password': 'privacy.log.actions.users_reset_password',
  'users.block': 'privacy.log.actions.users_block',
  'users.unblock': 'privacy.log.actions.users_unblock',
} as const satisfies Record<string, MessageKey>;

/** One access log row as the page gets it. */
export interface AccessRow {
  action: string;
  subject: string;
  subject_user_id: string | null;
  subject_name: string | null;
}

/** Names of the places and models a page of the log refers to, by their subject ("site:<id>", "department:<id>", "model:<id>"). */
export type SubjectNames = Record<string, string>;

/** The subjects of a log page that name a place or a model (the page looks up only these names). */
export function referencedSubjects(rows: readonly Pick<AccessRow, 'subject'>[]): { sites: Set<string>; departments: Set<string>; models: Set<string> } {
  const out = { sites: new Set<string>(), departments: new Set<string>(), models: new Set<string>() };
  for (const { subject } of rows) {
    for (const part of subject.split('@')) {
      const [kind, id] = [part.slice(0, part.indexOf(':')), part.slice(part.indexOf(':') + 1)];
      if (kind === 'site') out.sites.add(id);
      else if (kind === 'department') out.departments.add(id);
      else if (kind === 'model') out.models.add(id);
    }
  }
  return out;
}

/**
 * An access log row in words: what was done, and to whom or what (null when there is no subject). A person is
 * named, a ward or site by its name, "all" and a search as such; an action or subject this page does not know
 * stays as written (better shown raw than hidden).
 */
export function describeAccess(row: AccessRow, t: Translate, names: SubjectNames = {}): { action: string; subject: string | null } {
  const key = (ACCESS_ACTIONS as Record<string, MessageKey>)[row.action];
  return { action: key ? t(key) : row.action, subject: describeSubject(row, t, names) };
}

function describeSubject(row: AccessRow, t: Translate, names: SubjectNames): string | null {
  const subject = row.subject.trim();
  if (!subject) return null;
  if (subject === 'all') return t('privacy.log.subjects.all');
  const search = /^search: ?([\s\S]*)$/.exec(subject);
  if (search) return t('privacy.log.subjects.search', { q: search[1]! });
  if (row.subject_user_id || subject.startsWith('user:')) return row.subject_name ?? t('privacy.log.subjects.gonePerson');
  const at = /^model:([^@]+)@site:(.+)$/.exec(subject);
  if (at)
    return t('privacy.log.subjects.modelAt', {
      model: names[`model:${at[1]}`] ?? t('privacy.log.subjects.goneModel'),
      site: names[`site:${at[2]}`] ?? t('privacy.log.subjects.gonePlace'),
    });
  if (/^(site|department):/.test(subject)) return names[subject] ?? t('privacy.log.subjects.gonePlace');
  return subject;
}

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { translator } from '@medreg/i18n';
import { ACCESS_ACTIONS, describeAccess, referencedSubjects, type AccessRow } from './access-log';

const de = translator('de');
const en = translator('en');
const row = (action: string, subject: string, person: { id: string; name: string | null } | null = null): AccessRow => ({
  action,
  subject,
  subject_user_id: person?.id ?? null,
  subject_name: person?.name ?? null,
});
const PERSON = { id: '682029cc-0000-4000-8000-000000000001', name: 'Tom Techniker' };
const WARD = 'de9a2d8a-0000-4000-8000-000000000002';
const SITE = '11111111-0000-4000-8000-000000000003';
const MODEL = '22222222-0000-4000-8000-000000000004';
const names = { [`department:${WARD}`]: 'Klinikum Nord › Kardiologie 3B', [`site:${SITE}`]: 'Klinikum Nord', [`model:${MODEL}`]: 'B. Braun Perfusor Space' };

describe('access log rows in words', () => {
  it.each([
    [row('users.list', 'all'), 'hat die Benutzerkonten aufgelistet', 'alle', 'listed the user accounts', 'everyone'],
    [row('users.list', 'search: tom'), 'hat die Benutzerkonten aufgelistet', 'Suche: „tom“', 'listed the user accounts', 'search: "tom"'],
    [row('users.get', `user:${PERSON.id}`, PERSON), 'hat ein Benutzerkonto geöffnet', 'Tom Techniker', 'opened a user account', 'Tom Techniker'],
    [row('users.invite', `user:${PERSON.id}`, PERSON), 'hat ein Benutzerkonto angelegt', 'Tom Techniker', 'created a user account', 'Tom Techniker'],
    [row('personal_data_search', 'all'), 'hat auf der Datenschutzseite Personen gesucht', 'alle', 'searched people on the privacy page', 'everyone'],
    [row('personal_data_search', 'search: müller'), 'hat auf der Datenschutzseite Personen gesucht', 'Suche: „müller“', 'searched people on the privacy page', 'search: "müller"'],
    [row('personal_data_view', `user:${PERSON.id}`, PERSON), 'hat die Person auf der Datenschutzseite geöffnet', 'Tom Techniker', 'opened the person on the privacy page', 'Tom Techniker'],
    [row('instruction_matrix', `department:${WARD}`), 'hat die Einweisungsmatrix geöffnet', 'Klinikum Nord › Kardiologie 3B', 'opened the training matrix', 'Klinikum Nord › Kardiologie 3B'],
    [row('instruction_matrix', `site:${SITE}`), 'hat die Einweisungsmatrix geöffnet', 'Klinikum Nord', 'opened the training matrix', 'Klinikum Nord'],
    [row('logbook_pdf', `model:${MODEL}@site:${SITE}`), 'hat ein Medizinproduktebuch mit Namen der Eingewiesenen gedruckt', 'B. Braun Perfusor Space am Standort Klinikum Nord', 'printed a logbook with trainee names', 'B. Braun Perfusor Space at Klinikum Nord'],
    // Gone from the register (or from this page's names): said so, never the id.
    [row('instruction_matrix', 'department:0000'), 'hat die Einweisungsmatrix geöffnet', 'ein nicht mehr erfasster Ort', 'opened the training matrix', 'a place no longer in the register'],
    [row('instruction_record', 'user:0000', { id: '0000', name: null }), 'hat den Einweisungsnachweis geöffnet', 'eine nicht mehr erfasste Person', 'opened the instruction record', 'a person no longer in the register'],
  ])('%o', (r, deAction, deSubject, enAction, enSubject) => {
    expect(describeAccess(r, de, names)).toEqual({ action: deAction, subject: deSubject });
    expect(describeAccess(r, en, names)).toEqual({ action: enAction, subject: enSubject });
  });

  it('shows an action or subject it does not know as written, and no subject when there is none', () => {
    expect(describeAccess(row('something.new', 'thing:1'), en)).toEqual({ action: 'something.new', subject: 'thing:1' });
    expect(describeAccess(row('users.list', ''), en)).toEqual({ action: 'listed the user accounts', subject: null });
  });

  it('collects the places and models a page refers to', () => {
    const refs = referencedSubjects([row('a', `department:${WARD}`), row('b', `model:${MODEL}@site:${SITE}`), row('c', 'all'), row('d', `user:${PERSON.id}`)]);
    expect(refs).toEqual({ sites: new Set([SITE]), departments: new Set([WARD]), models: new Set([MODEL]) });
  });

  it('has words for every action packages/core writes with logAccess', () => {
    const root = fileURLToPath(new URL('../../../../../../packages/core/src', import.meta.url));
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith('.ts') && !f.endsWith('.test.ts') ? [join(dir, f)] : []));
    const written = new Set(files(root).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/logAccess\([^,]+,[^,]+,\s*'([^']+)'/g)].map((m) => m[1]!)));
    expect(written.size).toBeGreaterThan(5);
    expect([...written].filter((a) => !(a in ACCESS_ACTIONS))).toEqual([]);
  });
});

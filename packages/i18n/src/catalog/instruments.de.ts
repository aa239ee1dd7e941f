import type { Widen } from '../widen.js';
import type { en } from './instruments.js';

/** The test instruments register (Prüfgeräte) with their calibration dates. (German) */
export const de: Widen<typeof en> = {
  title: 'Prüfgeräte',
  nav: 'Prüfgeräte',
  intro: 'Die kalibrierten Prüfgeräte, mit denen Messwerte erfasst werden. Eine Prüfung mit Messwerten kann nicht mit einem Prüfgerät erfasst werden, dessen Kalibrierung abgelaufen ist.',
  name: 'Bezeichnung',
  nameHint: 'Hersteller und Modell, z. B. Fluke ESA615.',
  kind: 'Art',
  kindHint: 'Optional, z. B. Sicherheitstester IEC 62353.',
  serial: 'Seriennummer',
  calibrationDue: 'Kalibrierung fällig am',
  calibrationHint: 'Das Datum auf dem Kalibrierschein oder der Prüfplakette.',
  state: 'Kalibrierung',
  states: {
    ok: 'kalibriert',
    due_soon: 'Kalibrierung bald fällig',
    overdue: 'Kalibrierung abgelaufen',
  },
  dueOn: 'fällig {{date}}',
  noDate: 'kein Kalibrierdatum',
  counts: '{{overdue}} abgelaufen, {{soon}} innerhalb von 30 Tagen fällig',
  add: 'Prüfgerät hinzufügen',
  addTitle: 'Neues Prüfgerät',
  edit: 'Bearbeiten',
  editTitle: '{{name}} bearbeiten',
  save: 'Speichern',
  cancel: 'Abbrechen',
  retire: 'Ausmustern',
  retireHint: 'Ein ausgemustertes Prüfgerät kann nicht mehr gewählt werden; damit erfasste Prüfungen behalten seine Seriennummer und sein Kalibrierdatum.',
  activeTitle: 'Im Einsatz',
  retiredTitle: 'Ausgemusterte Prüfgeräte',
  retiredOn: 'ausgemustert am {{date}}',
  none: 'Noch keine Prüfgeräte.',
  created: 'Prüfgerät hinzugefügt.',
  updated: 'Prüfgerät gespeichert.',
  retiredDone: 'Prüfgerät ausgemustert.',
  errors: {
    serialTaken: 'Ein anderes Prüfgerät hat schon die Seriennummer „{{serial}}“.',
    retired: 'Dieses Prüfgerät ist ausgemustert und kann nicht mehr geändert werden.',
  },
};

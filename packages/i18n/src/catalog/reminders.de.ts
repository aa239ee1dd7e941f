import type { Widen } from '../widen.js';
import type { en } from './reminders.js';

/** Reminders of due inspections: the personal calendar feed and the weekly e-mail. (German) */
export const de: Widen<typeof en> = {
  title: 'Kalender und E-Mail',
  calendar: {
    title: 'Kalender-Abo',
    intro: 'Abonnieren Sie Ihre fälligen Prüfungen in einer Kalender-App (Outlook, Apple- oder Google-Kalender, Thunderbird): ein ganztägiger Eintrag pro Gerät und Prüfart, Überfälliges am heutigen Tag. Die Adresse enthält ein Geheimnis, wer sie kennt, kann die Liste lesen: Widerrufen Sie sie, wenn ein Telefon verloren geht.',
    create: 'Kalenderadresse erstellen',
    created: 'Ihre neue Kalenderadresse. Sie wird nur dieses eine Mal angezeigt: Kopieren Sie sie jetzt in Ihre Kalender-App.',
    url: 'Kalenderadresse',
    copy: 'Kopieren',
    copied: 'In die Zwischenablage kopiert.',
    copyFailed: 'Kopieren hat nicht geklappt: Markieren Sie die Adresse und kopieren Sie sie von Hand.',
    subscribe: 'In Kalender-App öffnen',
    active: 'Ihre Kalenderadressen',
    none: 'Sie haben noch keine Kalenderadresse.',
    createdOn: 'Erstellt am {{date}}',
    lastUsed: 'zuletzt abgerufen am {{date}}',
    neverUsed: 'noch nicht abgerufen',
    revoke: 'Widerrufen',
    revokeLabel: 'Die am {{date}} erstellte Kalenderadresse widerrufen',
    revoked: 'Die Kalenderadresse wurde widerrufen: Kalender, die sie nutzen, erhalten ab jetzt nichts mehr.',
  },
  digest: {
    title: 'Wöchentliche E-Mail',
    label: 'Mir jeden Montagmorgen per E-Mail schicken, was fällig ist',
    hint: 'Nicht bestanden, überfällig und in 14 Tagen fällig, nach Station, an {{email}}. In einer Woche ohne Fälliges kommt keine E-Mail.',
    save: 'Speichern',
    saved: 'Gespeichert.',
    on: 'Die wöchentliche E-Mail ist eingeschaltet.',
    off: 'Die wöchentliche E-Mail ist ausgeschaltet.',
    notConfigured: 'Auf diesem Server ist kein Mailserver eingerichtet (SMTP_URL), daher wird keine E-Mail verschickt. Ihre Wahl bleibt gespeichert, bis einer eingerichtet ist.',
  },
  feed: {
    name: 'MedReg: fällige Prüfungen',
    overdue: 'Überfällig',
    failed: 'Nicht bestanden',
    dueOn: 'Fällig am {{date}}',
    lastOn: 'Letzte Prüfung am {{date}}',
    never: 'Noch nie geprüft',
  },
  mail: {
    subject: 'MedReg, KW {{week}}: {{overdue}} überfällig, {{failed}} nicht bestanden, {{soon}} bald fällig',
    greeting: 'Hallo {{name}},',
    summary: 'Stand {{date}}: {{failed}} nicht bestanden, {{overdue}} überfällig, {{soon}} in den nächsten {{days}} Tagen fällig.',
    overdue: 'überfällig seit {{date}}',
    failed: 'nicht bestanden, fällig am {{date}}',
    dueOn: 'fällig am {{date}}',
    more: '… und {{count, number}} weitere.',
    fullList: 'Die vollständige Liste: {{url}}',
    openList: 'Fälligkeitsliste öffnen',
    footer: 'Sie erhalten diese E-Mail, weil Sie die wöchentliche E-Mail in MedReg eingeschaltet haben. Abschalten können Sie sie auf der Fälligkeitsliste: {{url}}',
  },
  errors: {
    tokenNotFound: 'Diese Kalenderadresse gibt es nicht oder sie wurde bereits widerrufen.',
  },
};

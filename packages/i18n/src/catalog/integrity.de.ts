import type { Widen } from '../widen.js';
import type { en } from './integrity.js';

/** Verifying the logbook hash chains. (German) */
export const de: Widen<typeof en> = {
  title: 'Integrität der Medizinproduktebücher',
  nav: 'Integrität',
  intro:
    'Jedes Medizinproduktebuch ist eine Hash-Kette: Jeder Eintrag trägt einen Fingerabdruck seines Inhalts und des vorigen Eintrags. Ein Eintrag, der außerhalb dieser Anwendung geändert, entfernt oder eingefügt wurde, bricht die Kette ab dieser Stelle. Die Prüfung berechnet jede Kette neu und nennt je Kette den ersten gebrochenen Eintrag.',
  start: 'Alle Medizinproduktebücher jetzt prüfen',
  started: 'Die Prüfung läuft. Diese Seite zeigt den Fortschritt.',
  alreadyRunning: 'Es läuft bereits eine Prüfung.',
  running: 'Medizinproduktebücher werden geprüft …',
  progress: '{{done}} von {{total}} Geräten geprüft',
  command: 'Dieselbe Prüfung läuft auf dem Server mit {{command}} (Exit-Code 1 bei gebrochener Kette).',
  historyTitle: 'Bisherige Prüfungen',
  none: 'Bisher wurde keine Prüfung durchgeführt.',
  startedAt: 'Begonnen',
  by: 'Von',
  byCommand: 'wöchentliche Prüfung oder Kommandozeile',
  devices: 'Geräte',
  entries: 'Einträge',
  result: 'Ergebnis',
  intact: 'alle Ketten intakt',
  broken: '{{count, number}} gebrochene Ketten',
  broken_one: '{{count, number}} gebrochene Kette',
  broken_other: '{{count, number}} gebrochene Ketten',
  unfinished: 'nicht abgeschlossen',
  findingsTitle: 'Gebrochene Ketten der letzten Prüfung',
  device: 'Gerät',
  entry: 'Erster gebrochener Eintrag',
  entryNo: 'Eintrag Nr. {{seq}}',
  reason: 'Was nicht stimmt',
  reasons: {
    content: 'Der Eintrag wurde nach dem Schreiben geändert (sein Inhalt passt nicht mehr zu seinem Fingerabdruck).',
    link: 'Der Eintrag folgt nicht auf den vorigen: Ein Eintrag wurde entfernt, eingefügt oder neu geschrieben.',
    sequence: 'Die Nummerierung hat eine Lücke: Ein Eintrag fehlt.',
  },
  seal: {
    title: 'Siegel der letzten Prüfung',
    intro:
      'Die Ketten zeigen einen Eintrag, der an Ort und Stelle geändert wurde. Wer direkt auf die Datenbank zugreift, könnte aber ein ganzes Medizinproduktebuch samt Fingerabdrücken neu schreiben oder seine letzten Einträge entfernen. Bewahren Sie das Siegel einer Prüfung außerhalb dieser Anwendung auf: ausgedruckt oder als Textdatei in Ihrem Dokumentenmanagement. Später verglichen zeigt es, ob seitdem etwas geändert, entfernt oder hinzugefügt wurde, das vor seinem Zeitpunkt erfasst war.',
    covers: 'Umfasst jeden bis {{at}} erfassten Eintrag ({{devices}} Geräte).',
    code: 'Siegel',
    download: 'Siegel herunterladen (Textdatei)',
    compareTitle: 'Mit einem aufbewahrten Siegel vergleichen',
    compareLabel: 'Text des Siegels',
    compareHint: 'Fügen Sie den Inhalt der Textdatei ein oder tippen Sie die Zeilen „Sealed at“ und „Seal“ vom Ausdruck ab.',
    compare: 'Vergleichen',
    matches: 'Das Siegel stimmt: Nichts, was bis {{at}} erfasst war, wurde seitdem geändert, entfernt oder hinzugefügt ({{devices}} Geräte).',
    differs:
      'Das Siegel stimmt nicht: Bis {{at}} erfasste Einträge wurden seit dem Siegel geändert, entfernt oder hinzugefügt. Findet die letzte Prüfung alle Ketten intakt, wurden ganze Ketten neu geschrieben oder ihre letzten Einträge entfernt.',
    unreadable: 'Das ist kein Siegel: Es braucht die Zeile „Sealed at: …“ und die 64 Zeichen nach „Seal:“.',
  },
  whatNow:
    'Eine gebrochene Kette bedeutet, dass die Datenbank außerhalb der Anwendung verändert wurde. Lassen Sie die Datenbankdatei unverändert, stellen Sie die letzte Sicherung zum Vergleich daneben wieder her und informieren Sie den Beauftragten für Medizinproduktesicherheit und den Datenschutzbeauftragten.',
};

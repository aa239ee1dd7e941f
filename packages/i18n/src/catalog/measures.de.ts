import type { Widen } from '../widen.js';
import type { en } from './measures.js';

/** Other measures on a device (Gerätemaßnahmen): maintenance, repair, functional test, software update; the MTK sticker. (German) */
export const de: Widen<typeof en> = {
  title: 'Maßnahme erfassen',
  recordAnother: 'Andere Maßnahme erfassen',
  kind: 'Was wurde gemacht',
  kindHints: {
    maintenance: 'Instandhaltung nach Herstellervorgabe, Pflege, Verschleißteile',
    repair: 'Nach einem Mangel oder Schaden',
    functional_test: 'Wiederkehrend oder nach einer Reparatur',
    software_update: 'Eine neue Version wurde installiert',
  },
  date: 'Durchgeführt am',
  performedBy: 'Durchgeführt von (Person oder Firma, falls nicht Sie)',
  text: {
    maintenance: 'Was wurde gemacht',
    repair: 'Was war defekt und was wurde repariert',
    functional_test: 'Was wurde geprüft, mit welchem Befund',
    software_update: 'Was hat sich geändert (Versionshinweise, Bemerkungen)',
  },
  parts: 'Getauschte Teile (optional)',
  result: 'Ergebnis der Funktionsprüfung',
  currentVersion: 'Bisher installiert: {{version}}',
  noVersion: 'nicht erfasst',
  newVersion: 'Neue Softwareversion',
  newVersionHint: 'Einweisungen auf eine ältere Version gelten für dieses Gerät nicht mehr: Seine Anwender müssen neu eingewiesen werden.',
  files: 'Fotos oder PDF (Servicebericht, Protokoll)',
  submit: 'Im Gerätebuch speichern',
  saved: 'Maßnahme im Gerätebuch gespeichert.',
  textRequired: 'Beschreiben Sie, was gemacht wurde (mindestens 3 Zeichen).',
  resultRequired: 'Wählen Sie, ob die Funktionsprüfung bestanden ist.',
  versionRequired: 'Geben Sie die jetzt installierte Softwareversion ein.',
  versionUnchanged: 'Auf dem Gerät läuft bereits Version {{version}}. Geben Sie die neu installierte Version ein.',
  notForKind: 'Dieses Feld gehört nicht zu dieser Art von Maßnahme.',
  softwareFromTo: 'Software {{from}} → {{to}}',
  partsLine: 'Teile: {{parts}}',
  printSticker: 'MTK-Plakette drucken',
  sticker: {
    title: 'MTK-Plakette',
    subtitle: 'Messtechnische Kontrolle',
    next: 'Nächste MTK',
    tested: 'Geprüft {{date}}',
    by: 'von {{name}}',
  },
};

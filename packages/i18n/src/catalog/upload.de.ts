import type { Widen } from '../widen.js';
import type { en } from './upload.js';

/** Photos and PDFs that upload while a form is being filled in. (German) */
export const de: Widen<typeof en> = {
  hint: 'Fotografieren Sie das Protokoll oder wählen Sie Fotos oder ein PDF-Protokoll (JPEG, PNG, WebP, HEIC oder PDF, je bis {{mb}} MB). Sie werden hochgeladen, während Sie das Formular weiter ausfüllen.',
  choose: 'Foto oder PDF wählen',
  uploading: 'Wird hochgeladen … {{percent}} %',
  progress: 'Hochladen von {{name}}',
  done: 'Hochgeladen',
  remove: '{{name}} entfernen',
  network: 'Das Hochladen wurde unterbrochen. Prüfen Sie das WLAN und wählen Sie die Datei erneut.',
  waiting: 'Warte, bis alle Dateien hochgeladen sind …',
};

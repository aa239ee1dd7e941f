import type { Widen } from '../widen.js';

/** Photos and PDFs that upload while a form is being filled in. */
export const en = {
  hint: 'Take a photo or choose photos or a PDF protocol (JPEG, PNG, WebP, HEIC or PDF, up to {{mb}} MB each). They upload while you go on filling in the form.',
  choose: 'Choose photo or PDF',
  uploading: 'Uploading … {{percent}} %',
  progress: 'Upload of {{name}}',
  done: 'Uploaded',
  remove: 'Remove {{name}}',
  network: 'The upload was interrupted. Check the Wi-Fi and pick the file again.',
  waiting: 'Waiting for uploads to finish …',
} as const;

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

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

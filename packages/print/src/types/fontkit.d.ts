// fontkit ships no types; pdfkit (which depends on it) is the only consumer here and needs just `create`.
declare module 'fontkit' {
  export function create(buffer: Uint8Array, postscriptName?: string): { layout(text: string): unknown };
}

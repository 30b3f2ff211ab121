/**
 * Text for the TITLE line and clip-name comments that 7-bit CMX3600 readers show as written:
 * accents are dropped (Café -> Cafe), anything else outside printable ASCII becomes '_'.
 */
export function asciiSafe(text: string): string {
  if (PRINTABLE.test(text)) return text;
  return text
    .replace(/[\r\n]+/g, ' ')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, '_');
}

const PRINTABLE = /^[\x20-\x7e]*$/;

import { Buffer } from 'node:buffer';

/**
 * Text of an EDL file. Lists come from old tools: try UTF-8 and fall back to Latin-1, which
 * decodes any byte, when the bytes are not valid UTF-8 (Premiere writes the system code page).
 */
export function decodeEdlBytes(args: { bytes: Uint8Array }): { text: string; encoding: 'utf-8' | 'latin1' } {
  try {
    return { text: stripBom(new TextDecoder('utf-8', { fatal: true }).decode(args.bytes)), encoding: 'utf-8' };
  } catch {
    // Buffer's latin1 is ISO-8859-1 proper; TextDecoder('latin1') would be windows-1252.
    return { text: stripBom(Buffer.from(args.bytes.buffer, args.bytes.byteOffset, args.bytes.byteLength).toString('latin1')), encoding: 'latin1' };
  }
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Lines of a list written with CRLF, LF or classic-Mac CR line ends (or a mix). */
export function splitLines(args: { text: string }): string[] {
  return args.text.split(/\r\n|\r|\n/);
}

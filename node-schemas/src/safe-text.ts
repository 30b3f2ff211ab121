/**
 * Rules for names people read (project titles): text that displays as what it is. Refused:
 * control characters (C0, DEL, C1), bidirectional embeddings, overrides and isolates (they make a
 * name read differently from its characters), line and paragraph separators, lone surrogates
 * (not valid Unicode: they cannot be stored as UTF-8), and names with nothing visible in them.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;
const LINE_SEPARATOR = /[\u2028\u2029]/;
/** Format characters (zero-width space/joiners, BOM...), separators, Hangul fillers and variation selectors. */
// The Hangul fillers are listed one by one on purpose: each alone is an invisible name.
// eslint-disable-next-line no-misleading-character-class
const INVISIBLE_ONLY = /^[\p{Cf}\p{Z}\s\u115f\u1160\u3164\uffa0\ufe00-\ufe0f\u034f]*$/u;

function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return true;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

/** Why `text` is not a readable name (`what` names it in the message), or null when it is one. */
export function readableNameProblem(text: string, what: string): string | null {
  if (CONTROL.test(text)) return `${what} must not contain control characters`;
  if (BIDI_CONTROL.test(text)) return `${what} must not contain bidirectional override or isolate characters`;
  if (LINE_SEPARATOR.test(text)) return `${what} must not contain line or paragraph separators`;
  if (hasLoneSurrogate(text)) return `${what} must be valid Unicode (it contains a lone surrogate)`;
  if (INVISIBLE_ONLY.test(text)) return `${what} must contain a visible character`;
  return null;
}

import { classifyLine, type EdlLine } from './classify-line.ts';
import { splitLines } from './decode-text.ts';
import type { EdlFcm, EdlWarning } from './types.ts';

/** An event line and the lines after it, up to the next event line. */
export interface Entry {
  source: Extract<EdlLine, { kind: 'event' }>;
  fcm: EdlFcm;
  comments: Array<{ text: string; line: number }>;
  speeds: Array<Extract<EdlLine, { kind: 'speed' }>>;
  audioChannels?: number[];
  effectName?: string;
}

export interface CollectedLines {
  title: string | null;
  /** The first FCM line: the record FCM. */
  listFcm: EdlFcm | null;
  /** `*` lines before the first event. */
  header: string[];
  entries: Entry[];
  warnings: EdlWarning[];
}

/** Walks the lines once, attaching comments, M2, AUD and EFFECTS lines to the event line before them. */
export function collectEntries(args: { text: string }): CollectedLines {
  const warnings: EdlWarning[] = [];
  const header: string[] = [];
  const entries: Entry[] = [];
  let title: string | null = null;
  let listFcm: EdlFcm | null = null;
  let fcm: EdlFcm = 'NON-DROP FRAME';

  const lines = splitLines({ text: args.text });
  for (let i = 0; i < lines.length; i += 1) {
    const parsed = classifyLine({ text: lines[i]!, line: i + 1 });
    if (parsed.kind === 'end') break;
    const entry = entries.at(-1);
    switch (parsed.kind) {
      case 'title':
        title ??= parsed.title;
        break;
      case 'fcm':
        fcm = parsed.fcm;
        listFcm ??= parsed.fcm;
        if (parsed.trailing !== '') {
          warnings.push({ line: parsed.line, code: 'FCM_TRAILING_TEXT', message: `text after the FCM ignored: '${parsed.trailing}'` });
        }
        break;
      case 'event':
        entries.push({ source: parsed, fcm, comments: [], speeds: [] });
        break;
      case 'comment':
        if (entry) entry.comments.push({ text: parsed.text, line: parsed.line });
        else header.push(parsed.text);
        break;
      case 'speed':
        if (entry) entry.speeds.push(parsed);
        else warnings.push({ line: parsed.line, code: 'UNMATCHED_SPEED_LINE', message: 'M2 line before the first event, ignored' });
        break;
      case 'aud':
        if (entry) entry.audioChannels = [...(entry.audioChannels ?? []), ...parsed.channels];
        else warnings.push({ line: parsed.line, code: 'UNKNOWN_LINE', message: 'AUD line before the first event, ignored' });
        break;
      case 'effect':
        if (entry) entry.effectName = parsed.name;
        else warnings.push({ line: parsed.line, code: 'UNKNOWN_LINE', message: 'EFFECTS NAME line before the first event, ignored' });
        break;
      case 'unknown':
        warnings.push({ line: parsed.line, code: 'UNKNOWN_LINE', message: `line not understood, ignored: '${parsed.text}'` });
        break;
      default:
        break;
    }
  }
  return { title, listFcm, header, entries, warnings };
}

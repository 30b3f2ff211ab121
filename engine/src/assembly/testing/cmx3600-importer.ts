/**
 * An independent CMX3600 importer for tests, written apart from the studio's reader (read-edl.ts)
 * so that a list is checked the way an NLE meets it: event lines in the standard columns, and of
 * the comments only the clip names (`* FROM CLIP NAME:` / `* TO CLIP NAME:`). It does not know
 * `* SOURCE FILE:` or `* TO SOURCE FILE:`, so media must be identifiable from reel and clip name.
 */
export interface ImportedClip {
  event: number;
  reel: string;
  track: 'V' | 'A';
  channels: string;
  transition: 'C' | 'D';
  dissolveFrames: number;
  recordIn: string;
  recordOut: string;
  sourceIn: string;
  sourceOut: string;
  /** The clip's name as the importer finds it; null when the list gives none. */
  clipName: string | null;
}

const EVENT =
  /^(\d{3,6})\s+(\S+)\s+(V|A\d?|AA|B|AA\/V|A\d?\/V)\s+(C|D)\s+(\d{3})?\s*(\d\d:\d\d:\d\d[:;]\d\d) (\d\d:\d\d:\d\d[:;]\d\d) (\d\d:\d\d:\d\d[:;]\d\d) (\d\d:\d\d:\d\d[:;]\d\d)$/;

export function importCmx3600(text: string): { title: string | null; clips: ImportedClip[] } {
  let title: string | null = null;
  const groups: Array<{ lines: RegExpExecArray[]; comments: string[] }> = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (line.startsWith('TITLE:')) title = line.slice(6).trim();
    const event = EVENT.exec(line);
    if (event) {
      const last = groups.at(-1);
      // The two lines of a dissolve share an event number: the outgoing cut, then the D line.
      if (last && last.lines[0]![1] === event[1] && event[4] === 'D' && last.comments.length === 0) last.lines.push(event);
      else groups.push({ lines: [event], comments: [] });
    } else if (line.startsWith('*') && groups.length > 0) {
      groups.at(-1)!.comments.push(line.slice(1).trim());
    }
  }
  const clips: ImportedClip[] = [];
  for (const group of groups) {
    const named = (key: string) =>
      group.comments
        .find((c) => c.toUpperCase().startsWith(`${key}:`))
        ?.slice(key.length + 1)
        .trim() ?? null;
    const from = named('FROM CLIP NAME');
    const to = named('TO CLIP NAME');
    group.lines.forEach((m, i) => {
      const isIncoming = m[4] === 'D';
      clips.push({
        event: Number(m[1]),
        reel: m[2]!,
        channels: m[3]!,
        track: m[3]!.includes('V') || m[3] === 'B' ? 'V' : 'A',
        transition: m[4] as 'C' | 'D',
        dissolveFrames: m[5] ? Number(m[5]) : 0,
        sourceIn: m[6]!,
        sourceOut: m[7]!,
        recordIn: m[8]!,
        recordOut: m[9]!,
        clipName: isIncoming ? to : i === 0 ? from : null,
      });
    });
  }
  return { title, clips };
}

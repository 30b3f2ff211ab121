/** What a `*` comment line says, for the comments CMX3600 tools give a meaning to. */
export type EdlCommentField =
  | { key: 'fromClipName' | 'toClipName' | 'sourceFile' | 'toSourceFile' | 'fullReel'; value: string }
  | { key: 'locator'; timecode: string; color: string; text: string }
  | { key: 'other' };

const NAMED: ReadonlyArray<[RegExp, 'fromClipName' | 'toClipName' | 'sourceFile' | 'toSourceFile' | 'fullReel']> = [
  [/^FROM CLIP NAME:(.*)$/i, 'fromClipName'],
  [/^TO CLIP NAME:(.*)$/i, 'toClipName'],
  [/^SOURCE FILE:(.*)$/i, 'sourceFile'],
  [/^TO SOURCE FILE:(.*)$/i, 'toSourceFile'],
  [/^REEL:(.*)$/i, 'fullReel'],
];

const LOCATOR = /^LOC:\s*(\d{2}[:;.,]\d{2}[:;.,]\d{2}[:;.,]\d{2})\s+(\S+)\s*(.*)$/i;

/** `text` is the comment without its star, trimmed. */
export function readComment(args: { text: string }): EdlCommentField {
  const { text } = args;
  for (const [pattern, key] of NAMED) {
    const match = pattern.exec(text);
    if (match) return { key, value: match[1]!.trim() };
  }
  const loc = LOCATOR.exec(text);
  if (loc) return { key: 'locator', timecode: loc[1]!, color: loc[2]!.toUpperCase(), text: loc[3]!.trim() };
  return { key: 'other' };
}

/** One CMX3600 event line in the standard columns (3-digit number, 8-character reel). */
export function formatEventLine(args: {
  number: number;
  reel: string;
  channels: string;
  transition: { type: 'C' } | { type: 'D'; frames: number };
  timecodes: readonly [string, string, string, string];
}): string {
  const transition = args.transition.type === 'C' ? 'C        ' : `D    ${String(args.transition.frames).padStart(3, '0')} `;
  return `${String(args.number).padStart(3, '0')}  ${args.reel.padEnd(8)} ${args.channels.padEnd(5)} ${transition}${args.timecodes.join(' ')}`;
}

/** A `*` comment line; line breaks inside the value would end the comment early. */
export function formatComment(args: { key: string; value: string }): string {
  return `* ${args.key}: ${args.value.replace(/[\r\n]+/g, ' ')}`;
}

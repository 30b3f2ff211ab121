/** `<Title>_<yyyymmddThhmmss>`: the file-name stem of an exported EDL or movie. */
export function exportBaseName(title: string, at = new Date()): string {
  const safe =
    title
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 60) || 'Sequence';
  return `${safe}_${at.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`;
}

/**
 * The file name of an exported list, the same for the download and the saved copy:
 * `<Title>_<timestamp>.edl`, `_partN` before the extension when the list is split.
 */
export function edlFileName(args: { title: string; part: number; parts: number; at?: Date; copy?: number }): string {
  return `${exportBaseName(args.title, args.at)}${args.copy && args.copy > 1 ? `-${args.copy}` : ''}${args.parts > 1 ? `_part${args.part}` : ''}.edl`;
}

/** `<Title>_<yyyymmddThhmmss>`: the file-name stem of an exported EDL or movie. */
export function exportBaseName(title: string, at = new Date()): string {
  const safe = title.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60) || 'Sequence';
  return `${safe}_${at.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`;
}

/** "3 minutes ago" style, for last-change labels. */
export function timeAgo(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 45) return 'just now';
  const units: Array<[number, string]> = [
    [60, 'minute'],
    [3600, 'hour'],
    [86400, 'day'],
    [604800, 'week'],
  ];
  let label = `${Math.round(seconds / 60)} minutes`;
  for (const [size, name] of units) {
    const n = Math.round(seconds / size);
    if (seconds >= size * 0.75) label = `${n} ${name}${n === 1 ? '' : 's'}`;
  }
  return `${label} ago`;
}

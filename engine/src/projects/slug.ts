/** Windows device names: a folder so named breaks checkouts there. */
const RESERVED = new Set(['con', 'prn', 'aux', 'nul', ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((n) => [`com${n}`, `lpt${n}`])]);
const MAX_SLUG = 60;

/**
 * A folder-safe slug from any name: lowercase ASCII letters, digits and single hyphens.
 * Returns '' when nothing usable is left; callers fall back to a generated name.
 */
export function slugify(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  let slug = ascii
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG)
    .replace(/-+$/g, '');
  if (RESERVED.has(slug)) slug = `${slug}-project`;
  return slug;
}

/** Candidate slugs for a name, in order: base, base-2, base-3, ... */
export function* slugCandidates(name: string): Generator<string> {
  const base = slugify(name) || 'project';
  yield base;
  for (let n = 2; ; n++) yield `${base.slice(0, MAX_SLUG - String(n).length - 1)}-${n}`;
}

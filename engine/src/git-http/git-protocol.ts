/**
 * The `Git-Protocol` header as git sends it (`version=2`, colon-separated key[=value] pairs), or
 * null for anything else: it reaches git's environment, so only that shape is passed on.
 */
export function gitProtocolOf(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value || value.length > 256) return null;
  return /^[A-Za-z0-9._-]+(=[A-Za-z0-9._-]*)?(:[A-Za-z0-9._-]+(=[A-Za-z0-9._-]*)?)*$/.test(value) ? value : null;
}

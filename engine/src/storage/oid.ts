import { join } from 'node:path';

/** An LFS object id: a sha256 in lower-case hex. */
export const OID_PATTERN = /^[0-9a-f]{64}$/;

export function isOid(text: string): boolean {
  return OID_PATTERN.test(text);
}

/** `<aa>/<bb>/<oid>`: how git-lfs, and the S3 keys, fan objects out. */
export function oidFanout(oid: string): string {
  return `${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`;
}

/** The object in a project's own LFS store, as git-lfs keeps it. */
export function localObjectPath(projectDir: string, oid: string): string {
  return join(projectDir, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
}

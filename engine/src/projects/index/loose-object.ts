import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';

/** A SHA-1 or SHA-256 object name, lower-case hex. */
const OBJECT_NAME = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
/** Commits and trees are small; a larger object (a blob named where a tree should be) is left to git. */
export const MAX_OBJECT_BYTES = 16 * 1024 * 1024;

export interface GitObject {
  type: string;
  body: Buffer;
}

/**
 * A loose object of a repository (`.git/objects/ab/cdef…`, zlib-deflated `type size\0body`),
 * inflated in this process; null when it is not loose (packed, or not there) or cannot be read.
 */
export function readLooseObject(gitDir: string, sha: string): GitObject | null {
  // Names come from refs and other objects: only a hash names a file here.
  if (!OBJECT_NAME.test(sha)) return null;
  let raw: Buffer;
  try {
    raw = inflateSync(readFileSync(join(gitDir, 'objects', sha.slice(0, 2), sha.slice(2))), { maxOutputLength: MAX_OBJECT_BYTES });
  } catch {
    return null;
  }
  const nul = raw.indexOf(0);
  if (nul < 0) return null;
  const [type, size] = raw.subarray(0, nul).toString('latin1').split(' ');
  const body = raw.subarray(nul + 1);
  return type && Number(size) === body.length ? { type, body } : null;
}

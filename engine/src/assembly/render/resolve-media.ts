import { closeSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { InvalidEdlError, MissingMediaError } from './errors.ts';

const STILL_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.bmp', '.tif', '.tiff']);
const LFS_POINTER_PREFIX = 'version https://git-lfs';
// The LFS spec keeps pointer files under 1024 bytes; real media is never that small.
const LFS_POINTER_MAX_BYTES = 1024;

export function isStillPath(path: string): boolean {
  return STILL_EXTENSIONS.has(extname(path).toLowerCase());
}

/** The absolute path of an event's source file, refusing one that leaves the project folder. */
export function resolveSourcePath(args: { projectDir: string; sourceFile: string; event: number }): string {
  const { projectDir, sourceFile, event } = args;
  const root = resolve(projectDir);
  const path = resolve(root, sourceFile);
  const rel = relative(root, path);
  if (isAbsolute(sourceFile) || rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
    throw new InvalidEdlError({ event, message: `source file '${sourceFile}' is outside the project`, data: { path: sourceFile } });
  }
  return path;
}

/** Refuses a source that is absent, a Git LFS pointer, or a link out of the project. */
export async function checkSourceFile(args: { projectDir: string; path: string; sourceFile: string; event: number }): Promise<void> {
  const { path, sourceFile, event } = args;
  // Synchronous: three metadata calls per source, cheaper than the thread-pool round trips they
  // would each take in a list of hundreds checked one after another.
  let info;
  try {
    info = statSync(path);
  } catch {
    info = null;
  }
  if (!info || !info.isFile()) throw new MissingMediaError({ event, path: sourceFile, reason: 'absent' });
  const real = realpathSync(path);
  const root = realpathSync(args.projectDir);
  if (real !== root && !real.startsWith(root + sep)) {
    throw new InvalidEdlError({ event, message: `source file '${sourceFile}' links outside the project`, data: { path: sourceFile } });
  }
  if (info.size < LFS_POINTER_MAX_BYTES) {
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(LFS_POINTER_PREFIX.length);
      readSync(fd, head, 0, head.length, 0);
      if (head.toString('latin1') === LFS_POINTER_PREFIX) throw new MissingMediaError({ event, path: sourceFile, reason: 'lfs-pointer' });
    } finally {
      closeSync(fd);
    }
  }
}

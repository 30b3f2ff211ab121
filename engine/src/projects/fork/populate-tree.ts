import { linkSync, mkdirSync } from 'node:fs';
import { chmod, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runGit } from '../git.ts';
import { readObjects } from '../history/cat-file-batch.ts';
import { IMMUTABLE_FOLDERS, sameInParent } from './clean-parent-files.ts';
import { parsePointer } from './tree-files.ts';
import type { TreeFile } from './tree-files.ts';

export interface Populated {
  /** Media files that are links to the parent's LFS objects. */
  linkedMedia: number;
  /** Other immutable files (take sidecars) that are links to the parent's own. */
  linkedFiles: number;
  /** Files written from their blobs (the canvas, project.json, anything changed since). */
  written: number;
}

/** Links made per turn of the event loop. */
const LINKS_PER_TURN = 2000;

const immutable = (path: string) => IMMUTABLE_FOLDERS.some((folder) => path.startsWith(folder));

/**
 * Fills an empty working tree with a commit's files, writing as few bytes as it can: each media
 * file (an LFS pointer) is a hard link to the object in the parent's LFS stores, each other
 * immutable file the parent holds unchanged (a take's sidecar) a hard link to the parent's, and
 * only the rest is written from its blob. No checkout: a checkout would write every pointer and
 * sidecar only for them to be replaced. Runs in the parent's git queue.
 */
export async function populateTree({
  staging,
  parentDir,
  files,
  stores,
}: {
  staging: string;
  parentDir: string;
  files: readonly TreeFile[];
  stores: readonly string[];
}): Promise<Populated> {
  const folders = [...new Set(files.map((f) => dirname(f.path)))].sort();
  for (const folder of folders) if (folder !== '.') mkdirSync(join(staging, folder), { recursive: true });

  // The mutable files first: .gitattributes among them, which says which paths are media.
  const plain = files.filter((f) => !immutable(f.path));
  await writeBlobs(staging, plain);

  const rest = files.filter((f) => immutable(f.path));
  // Which paths are media (the attributes) and what their small blobs say (pointers), at once.
  const [attrs, smallBlobs] = await Promise.all([
    lfsPaths(staging, rest),
    readObjects(
      staging,
      rest.filter((f) => f.size <= 1024).map((f) => f.blob),
    ),
  ]);
  const pointers = new Map(rest.filter((f) => attrs.has(f.path)).map((f) => [f.path, parsePointer(smallBlobs.get(f.blob))]));
  const media = rest.filter((f) => pointers.has(f.path));
  const others = rest.filter((f) => !pointers.has(f.path));
  const same = await sameInParent(parentDir, others);
  const counts: Populated = { linkedMedia: 0, linkedFiles: 0, written: plain.length };
  const toWrite: TreeFile[] = others.filter((f) => !same.has(f.path));
  // Links are made synchronously (a link is one cheap system call; 20,000 through the thread pool
  // take several times as long), a slice per turn of the event loop so sockets are still served.
  const linkFrom = (sources: readonly string[], path: string): boolean => {
    for (const source of sources) {
      try {
        linkSync(source, join(staging, path));
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return false;
  };
  const work: Array<() => void> = [
    ...media.map((file) => () => {
      const pointer = pointers.get(file.path);
      // A pointer to media the parent lacks stays a pointer, as it is in the parent.
      if (pointer && linkFrom(objectPaths(stores, pointer.oid), file.path)) counts.linkedMedia++;
      else toWrite.push(file);
    }),
    ...others
      .filter((f) => same.has(f.path))
      .map((file) => () => {
        if (linkFrom([join(parentDir, file.path)], file.path)) counts.linkedFiles++;
        else toWrite.push(file);
      }),
  ];
  for (let i = 0; i < work.length; i++) {
    if (i && i % LINKS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    work[i]!();
  }
  await writeBlobs(staging, toWrite);
  counts.written += toWrite.length;
  return counts;
}

/** Where an LFS object would be in each store, nearest first. */
const objectPaths = (stores: readonly string[], oid: string) => stores.map((store) => join(store, oid.slice(0, 2), oid.slice(2, 4), oid));

/** Paths the LFS filter applies to, from the attributes now in the working tree. */
async function lfsPaths(staging: string, files: readonly TreeFile[]): Promise<Set<string>> {
  if (!files.length) return new Set();
  const out = await runGit(staging, ['check-attr', '-z', '--stdin', 'filter'], { input: files.map((f) => f.path).join('\0') + '\0' });
  const lfs = new Set<string>();
  const fields = out.split('\0');
  for (let i = 0; i + 2 < fields.length; i += 3) if (fields[i + 1] === 'filter' && fields[i + 2] === 'lfs') lfs.add(fields[i]!);
  return lfs;
}

/** Writes files from their blobs (one cat-file), with their mode: executable, or a symbolic link. */
async function writeBlobs(staging: string, files: readonly TreeFile[]): Promise<void> {
  const contents = await readObjects(
    staging,
    files.map((f) => f.blob),
  );
  for (const file of files) {
    const bytes = contents.get(file.blob);
    if (!bytes) throw new Error(`git has no blob ${file.blob} for ${file.path}`);
    const target = join(staging, file.path);
    if (file.mode === 0o120000) await symlink(bytes.toString('utf8'), target);
    else {
      await writeFile(target, bytes);
      if (file.mode === 0o100755) await chmod(target, 0o755);
    }
  }
}

import { runGit } from '../git.ts';
import { readObjects } from '../history/cat-file-batch.ts';

/** A file of a commit's tree: mode (octal), blob id, size and path. */
export interface TreeFile {
  mode: number;
  blob: string;
  size: number;
  path: string;
}

/** Every file of a commit's tree, with its blob size, from one `git ls-tree -r -l -z`. Submodules are left out. */
export async function treeFiles(dir: string, commit: string): Promise<TreeFile[]> {
  const out = await runGit(dir, ['ls-tree', '-r', '-l', '-z', '--full-tree', commit]);
  const files: TreeFile[] = [];
  for (const record of out.split('\0')) {
    if (!record) continue;
    const tab = record.indexOf('\t');
    const [mode, type, blob, size] = record.slice(0, tab).split(/ +/) as [string, string, string, string];
    if (type !== 'blob') continue;
    files.push({ mode: parseInt(mode, 8), blob, size: Number(size), path: record.slice(tab + 1) });
  }
  return files;
}

/** The Git LFS pointer format (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md). */
const POINTER = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:([0-9a-f]{64})\nsize (\d+)\n(?:[a-z0-9.-]+ [^\n]*\n)*$/;
/** Pointers are about 130 bytes; the spec caps them at 1024. */
const POINTER_MAX = 1024;

export interface LfsFile extends TreeFile {
  oid: string;
  objectSize: number;
}

/**
 * The files of a tree that are Git LFS pointers to media: blobs small enough, in pointer format, on
 * paths the repository's attributes send through the LFS filter. One cat-file and one check-attr.
 */
export async function lfsFiles(dir: string, files: readonly TreeFile[]): Promise<LfsFile[]> {
  const small = files.filter((f) => f.size <= POINTER_MAX && (f.mode & 0o170000) === 0o100000);
  const contents = await readObjects(
    dir,
    small.map((f) => f.blob),
  );
  const pointers: LfsFile[] = [];
  for (const file of small) {
    const match = POINTER.exec(contents.get(file.blob)?.toString('utf8') ?? '');
    if (match) pointers.push({ ...file, oid: match[1]!, objectSize: Number(match[2]) });
  }
  if (!pointers.length) return pointers;
  const attrs = await runGit(dir, ['check-attr', '-z', '--stdin', 'filter'], { input: pointers.map((p) => p.path).join('\0') + '\0' });
  const lfs = new Set<string>();
  const fields = attrs.split('\0');
  for (let i = 0; i + 2 < fields.length; i += 3) if (fields[i + 1] === 'filter' && fields[i + 2] === 'lfs') lfs.add(fields[i]!);
  return pointers.filter((p) => lfs.has(p.path));
}

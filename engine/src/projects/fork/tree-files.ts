import { runGit } from '../git.ts';

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

/** The object a Git LFS pointer names, or null for anything that is not a pointer. */
export function parsePointer(bytes: Buffer | undefined): { oid: string; size: number } | null {
  if (!bytes || bytes.length > 1024) return null;
  const match = POINTER.exec(bytes.toString('utf8'));
  return match ? { oid: match[1]!, size: Number(match[2]) } : null;
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RENDERS_DIR } from '../layout.ts';
import { readLooseObject, type GitObject } from './loose-object.ts';
import { PackedObjects } from './pack-objects.ts';

/** What a new index entry needs of a repository's history: `git log -1 --format=%ct`, `git rev-list --count HEAD` and the files under the render folder. */
export interface HeadSummary {
  /** HEAD's committer time, in seconds. */
  committedAt: number;
  commits: number;
  renderFiles: string[];
}

/** Past this many commits git counts them (a long history is usually packed anyway). */
const MAX_WALK = 2000;

/** An object by name, from the packs (where git's maintenance puts them) or loose. */
type ReadObject = (sha: string) => GitObject | null;

/**
 * The summary read from the objects in this process, without a git process: a project the index
 * has not seen (500 of them after an upgrade, loose or packed by maintenance) costs a few file
 * reads instead of three git runs. Null where git must answer instead: an object neither loose
 * nor readable from a pack here (an alternate's, a delta based elsewhere), a history longer than
 * MAX_WALK, or anything that changes what git would see (shallow clone, grafts, replace refs).
 */
export function readHeadSummary(projectDir: string, head: string): HeadSummary | null {
  const gitDir = join(projectDir, '.git');
  if (['shallow', 'info/grafts', 'refs/replace'].some((p) => existsSync(join(gitDir, p)))) return null;
  const hashBytes = head.length / 2;
  const packs = PackedObjects.open(gitDir, hashBytes);
  const read: ReadObject = packs.packCount ? (sha) => packs.read(sha) ?? readLooseObject(gitDir, sha) : (sha) => readLooseObject(gitDir, sha);
  try {
    return summarise(read, head, hashBytes);
  } finally {
    packs.close();
  }
}

function summarise(read: ReadObject, head: string, hashBytes: number): HeadSummary | null {
  const top = readCommit(read, head);
  if (!top) return null;
  const seen = new Set([head]);
  const toVisit = [...top.parents];
  while (toVisit.length) {
    const sha = toVisit.pop()!;
    if (seen.has(sha)) continue;
    seen.add(sha);
    if (seen.size > MAX_WALK) return null;
    const commit = readCommit(read, sha);
    if (!commit) return null;
    toVisit.push(...commit.parents);
  }
  const root = readTree(read, top.tree, hashBytes);
  if (!root) return null;
  const renders = root.find((e) => e.name === RENDERS_DIR);
  const renderFiles: string[] = [];
  if (renders && !listFiles(read, renders, RENDERS_DIR, hashBytes, renderFiles)) return null;
  return { committedAt: top.committedAt, commits: seen.size, renderFiles };
}

interface Commit {
  tree: string;
  parents: string[];
  committedAt: number;
}

function readCommit(read: ReadObject, sha: string): Commit | null {
  const object = read(sha);
  if (object?.type !== 'commit') return null;
  const text = object.body.toString('utf8');
  const end = text.indexOf('\n\n');
  const headers = (end < 0 ? text : text.slice(0, end)).split('\n');
  const tree = headers.find((h) => h.startsWith('tree '))?.slice(5);
  const committer = headers.find((h) => h.startsWith('committer '));
  const time = committer ? /> (\d+) [+-]\d{4}$/.exec(committer)?.[1] : undefined;
  if (!tree || !time) return null;
  return { tree, parents: headers.filter((h) => h.startsWith('parent ')).map((h) => h.slice(7)), committedAt: Number(time) };
}

interface TreeEntry {
  mode: string;
  name: string;
  sha: string;
}

function readTree(read: ReadObject, sha: string, hashBytes: number): TreeEntry[] | null {
  const object = read(sha);
  if (object?.type !== 'tree') return null;
  const { body } = object;
  const entries: TreeEntry[] = [];
  for (let at = 0; at < body.length;) {
    const space = body.indexOf(0x20, at);
    const nul = body.indexOf(0, space);
    if (space < 0 || nul < 0 || nul + 1 + hashBytes > body.length) return null;
    entries.push({
      mode: body.toString('latin1', at, space),
      name: body.toString('utf8', space + 1, nul),
      sha: body.toString('hex', nul + 1, nul + 1 + hashBytes),
    });
    at = nul + 1 + hashBytes;
  }
  return entries;
}

/** Adds every path under a tree entry to `out` as `ls-tree -r --name-only` prints it; false where a tree cannot be read here. */
function listFiles(read: ReadObject, entry: TreeEntry, path: string, hashBytes: number, out: string[]): boolean {
  if (entry.mode !== '40000') {
    out.push(path);
    return true;
  }
  const entries = readTree(read, entry.sha, hashBytes);
  if (!entries) return false;
  return entries.every((child) => listFiles(read, child, `${path}/${child.name}`, hashBytes, out));
}

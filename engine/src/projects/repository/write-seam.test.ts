import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config.ts';

// Issue 14 section 1: every write of a project goes through the project repository
// (engine/src/projects/repository/). This scan keeps it so: a new commit call outside it, or a job
// handler that writes into a project (or library) folder, fails here. What remains is listed with why.
const SRC = join(REPO_ROOT, 'engine/src');

/** Files that may still call git.ts's commit functions, each with its reason. */
const COMMIT_CALLS_ALLOWED: Record<string, string> = {
  'projects/git.ts': 'defines them (kept for the fixtures below and for commit-actor.test.ts)',
  'testing/git-http-fixture.ts': 'a test fixture that builds a 10,000-take project in one `git add`, faster than any engine write path',
};

/**
 * Job-handler files that still write into a project or library folder, each with its reason. Everything
 * else under jobs/ (and the training worker) writes only its own job and attempt folders.
 */
const JOB_WRITES_ALLOWED: Record<string, string> = {
  'assets/training-worker.ts':
    "preview samples go to the library's ignored .samples/ scratch folder (served while training runs, never committed); the LoRA version itself lands through AssetLibrary.addVersion, a commit of the library repository",
};

/** Job handlers: the queues' workers and the stateless worker, and the training worker (in assets/). */
const JOB_HANDLERS = (files: string[]) => files.filter((f) => f.startsWith('jobs/') || f === 'assets/training-worker.ts');

const COMMIT_CALL = /\bcommit(?:Paths|Staged|Tracked)\s*\(/;
/** fs calls that write, and which argument is the path they write (rename(from, to) writes `to`). */
const WRITES: Record<string, number> = {
  writeFile: 0,
  appendFile: 0,
  mkdir: 0,
  rm: 0,
  rmdir: 0,
  unlink: 0,
  truncate: 0,
  utimes: 0,
  createWriteStream: 0,
  atomicWriteFile: 0,
  atomicWriteJson: 0,
  createNewFile: 0,
  rename: 1,
  link: 1,
  symlink: 1,
  copyFile: 1,
  cp: 1,
};
const WRITE_CALL = new RegExp(`\\b(${Object.keys(WRITES).join('|')})(?:Sync)?\\s*\\(`, 'g');

/** The top-level arguments of a call whose '(' ends at `from`. */
function callArguments(text: string, from: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if ('([{'.includes(c)) depth++;
    if (')]}'.includes(c)) {
      if (depth === 0) break;
      depth--;
    }
    if (c === ',' && depth === 0) {
      args.push(current.trim());
      current = '';
    } else current += c;
  }
  return [...args, current.trim()];
}

/** Where a project's or library's folder comes from. */
const FOLDER_SOURCE = /\b(?:projectPath|existingProjectPath|libraryRoot)\s*\(/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * The names in a file that hold a project (or library) folder or a path inside one: `projectDir`,
 * anything assigned from projectPath()/libraryRoot(), and anything joined from those, followed
 * through assignments until nothing new is found.
 */
export function projectFolderNames(text: string): Set<string> {
  const names = new Set(['projectDir']);
  const assignments = [...text.matchAll(/\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*([^;\n]+)/g)].map((m) => ({ name: m[1]!, value: m[2]! }));
  for (let grew = true; grew;) {
    grew = false;
    for (const { name, value } of assignments) {
      if (names.has(name)) continue;
      const fromFolder =
        FOLDER_SOURCE.test(value) || [...names].some((n) => new RegExp(`^(?:await\\s+)?(?:join|resolve)\\(\\s*${n.replace('$', '\\$')}\\b`).test(value));
      if (fromFolder) {
        names.add(name);
        grew = true;
      }
    }
  }
  return names;
}

/** The write calls of a file whose target is one of those names (or built right there from one). */
export function projectWrites(text: string): string[] {
  const names = projectFolderNames(text);
  const found: string[] = [];
  for (const match of text.matchAll(WRITE_CALL)) {
    const target = (callArguments(text, match.index + match[0].length)[WRITES[match[1]!]!] ?? '').replace(/^(?:join|resolve)\(\s*/, '');
    const head = /^[A-Za-z_$][\w$]*/.exec(target)?.[0];
    if ((head && names.has(head)) || FOLDER_SOURCE.test(target)) found.push(`${match[1]}(${target.split(/[,)]/)[0]}`);
  }
  return found;
}

describe('one seam for every write (issue 14 section 1)', () => {
  const files = sourceFiles(SRC).map((f) => relative(SRC, f));

  it('no file outside the project repository calls commitPaths/commitStaged/commitTracked (but the listed ones)', () => {
    const calling = files.filter((f) => !f.startsWith('projects/repository/') && COMMIT_CALL.test(readFileSync(join(SRC, f), 'utf8')));
    expect(calling.filter((f) => !(f in COMMIT_CALLS_ALLOWED))).toEqual([]);
    // The list only shrinks: an entry whose file no longer calls them goes.
    expect(Object.keys(COMMIT_CALLS_ALLOWED).filter((f) => !calling.includes(f))).toEqual([]);
  });

  it('no job handler writes into a project or library folder (but the listed ones)', () => {
    const handlers = JOB_HANDLERS(files);
    expect(handlers.length).toBeGreaterThan(10);
    const writing = handlers.filter((f) => projectWrites(readFileSync(join(SRC, f), 'utf8')).length);
    expect(
      writing.filter((f) => !(f in JOB_WRITES_ALLOWED)),
      writing.map((f) => `${f}: ${projectWrites(readFileSync(join(SRC, f), 'utf8')).join('; ')}`).join('\n'),
    ).toEqual([]);
    expect(Object.keys(JOB_WRITES_ALLOWED).filter((f) => !writing.includes(f))).toEqual([]);
  });

  it('the scan finds the writes it looks for (a handler as render-job.ts was before it used the repository)', () => {
    const before = `
      const projectDir = projectPath(workspace, data.projectId);
      const output = await freeExportPath(projectDir, data.title, draft);
      await mkdir(join(projectDir, EXPORTS_DIR), { recursive: true });
      const cutPath = draft ? partialPath(join(projectDir, output)) : join(projectDir, output);
      const target = join(projectDir, output);
      const sidecar = join(target, 'x.json');
      await writeFile(sidecar, '{}');
      await rm(join(attemptDir, 'x'), { force: true });`;
    expect(projectWrites(before)).toEqual(['mkdir(projectDir', 'writeFile(sidecar']);
    // The target of a copy or rename is its second argument: reading from a project is fine.
    expect(projectWrites(`const dir = libraryRoot(workspace, t); await copyFile(join(dir, 'a'), b); await rename(tmp, join(dir, 'x'));`)).toEqual([
      'rename(dir',
    ]);
  });
});

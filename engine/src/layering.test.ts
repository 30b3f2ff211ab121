import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './config.ts';

// Each arrow points one way: server/ composes the others (with main.ts), and nothing below it
// reaches back up. Tests may reach anything (they drive the whole app); source files may not.
const SRC = join(REPO_ROOT, 'engine/src');
const FORBIDDEN: Record<string, string[]> = {
  // auth reads which tenant a project belongs to; projects never ask who is signed in.
  auth: ['server', 'sync', 'jobs', 'assets', 'assembly', 'runner', 'health', 'review', 'git-http'],
  settings: ['server', 'sync', 'jobs', 'assets', 'assembly', 'projects', 'runner', 'health', 'storage', 'review', 'git-http', 'auth'],
  storage: ['server', 'sync', 'jobs', 'assets', 'assembly', 'projects', 'runner', 'review', 'git-http', 'auth'],
  'git-http': ['server', 'sync', 'jobs', 'assets', 'assembly', 'runner', 'review'],
  // review plugs into rooms and tasks (guards, listeners); only server/ composes it.
  review: ['server'],
  projects: ['server', 'sync', 'jobs', 'assets', 'assembly', 'runner', 'auth', 'review', 'git-http'],
  runner: ['server', 'sync', 'jobs', 'assets', 'assembly', 'projects'],
  assembly: ['server', 'sync', 'jobs', 'assets'],
  sync: ['server', 'jobs', 'assets', 'assembly'],
  health: ['server', 'sync', 'jobs', 'assets'],
  jobs: ['server'],
  assets: ['server'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}

/** The engine folders a file imports from (relative imports only; packages are not layers). */
function importedFolders(file: string): Array<{ folder: string; specifier: string }> {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) => m[1]!);
  return specifiers.flatMap((specifier) => {
    const target = relative(SRC, resolve(dirname(file), specifier));
    const [folder, ...rest] = target.split(sep);
    return folder && rest.length && !folder.startsWith('..') ? [{ folder, specifier }] : [];
  });
}

describe('layering of engine/src', () => {
  it('no folder imports one above it (sync/ never imports server/, assembly/ never sync/, ...)', () => {
    const wrong: string[] = [];
    for (const [folder, forbidden] of Object.entries(FORBIDDEN))
      for (const file of sourceFiles(join(SRC, folder)))
        for (const { folder: to, specifier } of importedFolders(file)) if (forbidden.includes(to)) wrong.push(`${relative(SRC, file)} imports ${specifier}`);
    expect(wrong).toEqual([]);
  });

  it('the EDL library carries no HTTP statuses', () => {
    for (const file of sourceFiles(join(SRC, 'assembly/edl'))) expect(readFileSync(file, 'utf8'), relative(SRC, file)).not.toMatch(/\bstatus\s*=\s*\d{3}/);
  });

  it('the web app and its end-to-end tests reach engine/src only through @studio/engine/testing', () => {
    const web = ['e2e', 'bench', 'src'].flatMap((dir) => sourceFiles(join(REPO_ROOT, 'web', dir)));
    expect(web.length).toBeGreaterThan(10);
    const deep = web.filter((file) => /from '(\.\.\/)+engine\/src\//.test(readFileSync(file, 'utf8'))).map((file) => relative(REPO_ROOT, file));
    expect(deep).toEqual([]);
  });

  it('sees the imports it checks', () => {
    // A rule that matches nothing passes for the wrong reason: the scan must find real arrows.
    expect(importedFolders(join(SRC, 'server/app.ts')).map((i) => i.folder)).toEqual(expect.arrayContaining(['sync', 'auth']));
  });
});

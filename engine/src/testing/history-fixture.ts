import { randomUUID } from 'node:crypto';
import { cp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createProject } from '../projects/create-project.ts';
import { runGit } from '../projects/git.ts';
import { CANVAS_PATH, MANIFEST_FILE } from '../projects/layout.ts';
import type { Workspace } from '../projects/workspace.ts';

export interface HistoryOptions {
  /** Canvas saves to add after the creation commit. */
  commits: number;
  /** Nodes in the canvas of every save. */
  nodes?: number;
  /** Leave every object loose, as 10,000 engine commits with gc.auto=0 do (fast-import writes a pack). */
  loose?: boolean;
}

function canvasAt(version: number, nodes: number): string {
  const graph = {
    version,
    nodes: Array.from({ length: nodes }, (_, i) => ({
      id: `n${i}`,
      type: 'shot',
      position: { x: (i % 50) * 320, y: Math.floor(i / 50) * 520 },
      data: {
        scene: `SCENE_${String(1 + Math.floor(i / 100)).padStart(2, '0')}`,
        shot: `SHOT_${String(10 + (i % 100) * 10).padStart(3, '0')}`,
        prompt: `save ${version} of shot ${i}`,
      },
    })),
    edges: [],
  };
  return JSON.stringify(graph, null, 2) + '\n';
}

function blob(content: string): string {
  return `data ${Buffer.byteLength(content)}\n${content}\n`;
}

/**
 * A real project (createProject: git + LFS, the engine's layout) with a long history of canvas
 * saves added through `git fast-import`: 10,000 commits in about a second instead of minutes. Each
 * save changes project.json and the canvas, as the engine's own saves do.
 */
export async function projectWithHistory(
  workspace: Workspace,
  templatesDir: string,
  name: string,
  { commits, nodes = 3, loose = false }: HistoryOptions,
): Promise<string> {
  const { id, dir } = await createProject({ workspace, templatesDir, request: { name } });
  const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
  const start = Math.floor(Date.now() / 1000) - commits - 1;
  const parts: string[] = [];
  for (let i = 1; i <= commits; i++) {
    const version = 1 + i;
    const when = `${start + i} +0000`;
    parts.push(
      'commit refs/heads/main\n',
      `committer Studio Engine <engine@studio.local> ${when}\n`,
      blob(`Canvas: save ${i} (version ${version})`),
      ...(i === 1 ? ['from refs/heads/main^0\n'] : []),
      `M 100644 inline ${MANIFEST_FILE}\n`,
      blob(JSON.stringify({ ...manifest, version }, null, 2) + '\n'),
      `M 100644 inline ${CANVAS_PATH}\n`,
      blob(canvasAt(version, nodes)),
      '\n',
    );
  }
  if (commits > 0) {
    await runGit(dir, ['fast-import', '--quiet', '--force'], { input: parts.join('') });
    await runGit(dir, ['reset', '--hard', '--quiet']);
  }
  if (loose) await unpackEverything(dir);
  return id;
}

/** Turns every pack back into loose objects. */
async function unpackEverything(dir: string): Promise<void> {
  const packDir = join(dir, '.git', 'objects', 'pack');
  for (const file of await readdir(packDir)) {
    if (!file.endsWith('.pack')) continue;
    const aside = join(dir, '.git', file);
    await rename(join(packDir, file), aside);
    await rm(join(packDir, file.replace(/\.pack$/, '.idx')), { force: true });
    await rm(join(packDir, file.replace(/\.pack$/, '.rev')), { force: true });
    await runGit(dir, ['unpack-objects', '-q'], { input: await readFile(aside) });
    await rm(aside);
  }
}

/**
 * `count` projects, quickly: one made by createProject, the others copies of its folder (repository
 * included) with their own title and uuid committed, so each is a whole project with a clean tree.
 */
export async function manyProjects(workspace: Workspace, templatesDir: string, count: number, prefix = 'Reel'): Promise<string[]> {
  const { id, dir } = await createProject({ workspace, templatesDir, request: { name: `${prefix} 0` } });
  const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
  const ids = [id];
  const make = async (i: number) => {
    const copyId = `${id}-copy-${i}`;
    const copy = join(workspace.projectsDir, copyId);
    await cp(dir, copy, { recursive: true, preserveTimestamps: true });
    await writeFile(join(copy, MANIFEST_FILE), JSON.stringify({ ...manifest, uuid: randomUUID(), title: `${prefix} ${i}` }, null, 2) + '\n');
    await runGit(copy, ['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', `Rename to ${prefix} ${i}`, '--', MANIFEST_FILE]);
    ids.push(copyId);
  };
  for (let i = 1; i < count; i += 4) await Promise.all([i, i + 1, i + 2, i + 3].filter((k) => k < count).map(make));
  return ids;
}

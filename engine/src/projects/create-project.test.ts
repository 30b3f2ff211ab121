import { execFileSync } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';
import { tempWorkspace } from '../testing/temp-workspace.ts';
import { createProject } from './create-project.ts';
import { readManifest } from './manifest-file.ts';
import type { Workspace } from './workspace.ts';

const templatesDir = join(REPO_ROOT, 'templates');
let workspace: Workspace;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ workspace, cleanup } = await tempWorkspace()));
afterAll(() => cleanup());

async function tree(dir: string, root = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name === '.git') continue;
    const p = join(dir, e.name);
    out.push(relative(root, p) + (e.isDirectory() ? '/' : ''));
    if (e.isDirectory()) out.push(...(await tree(p, root)));
  }
  return out.sort();
}

const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });

describe('createProject', () => {
  it('scaffolds the project folders exactly, with project.json, templates, an empty canvas, git and LFS', async () => {
    const { id, dir, manifest } = await createProject({ workspace, templatesDir, request: { name: 'The Lighthouse', description: 'a short' } });
    expect(id).toBe('the-lighthouse');
    expect(dir).toBe(join(workspace.projectsDir, 'the-lighthouse'));
    const folders = (await tree(dir)).filter((p) => p.endsWith('/'));
    expect(folders).toEqual(
      [
        '01_Assets/',
        '01_Assets/AI_Models/',
        '01_Assets/Generative_Assets/',
        '01_Assets/Source_Media/',
        '02_Source_Creative/',
        '02_Source_Creative/Canvases/',
        '02_Source_Creative/Scripts/',
        '03_Renders/',
        '04_Project_Files/',
        '04_Project_Files/Auto_Saves/',
        '04_Project_Files/EDLs/',
        '05_Cache/',
        '06_Exports/',
      ].sort(),
    );
    const onDisk = await readManifest(dir);
    expect(onDisk).toEqual(manifest);
    expect(onDisk.format).toBe(1);
    expect(onDisk).toMatchObject({
      title: 'The Lighthouse',
      description: 'a short',
      canvas_path: '02_Source_Creative/Canvases/main_canvas.json',
      project_settings: { aspect_ratio: '16:9', quality: 'standard' },
      version: 1,
    });
    expect(onDisk.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(await readFile(join(dir, onDisk.canvas_path), 'utf8'))).toEqual({ format: 1, version: 1, nodes: [], edges: [] });
    expect(await readFile(join(dir, '.gitattributes'), 'utf8')).toBe(await readFile(join(templatesDir, '.gitattributes'), 'utf8'));
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe(await readFile(join(templatesDir, '.gitignore'), 'utf8'));

    expect(git(dir, 'log', '--format=%s').trim()).toBe('Create project: The Lighthouse');
    expect(git(dir, 'status', '--porcelain')).toBe('');
    expect(git(dir, 'config', '--local', 'filter.lfs.process')).toContain('git-lfs');
    expect((await stat(join(dir, '.git/hooks/pre-push'))).isFile()).toBe(true);
    for (const d of ['Library/Branding', 'Library/Stock_Media', 'Library/Pipeline_Templates'])
      expect((await stat(join(workspace.home, d))).isDirectory()).toBe(true);
  });

  it('routes media, models and archives through LFS and keeps the canvas in plain git', async () => {
    const { dir } = await createProject({ workspace, templatesDir, request: { name: 'LFS check' } });
    for (const ext of ['mp4', 'MOV', 'mxf', 'wav', 'png', 'exr', 'safetensors', 'ckpt', 'onnx', 'zip'])
      expect(git(dir, 'check-attr', 'filter', '--', `03_Renders/x.${ext}`)).toContain('filter: lfs');
    expect(git(dir, 'check-attr', 'filter', '--', '02_Source_Creative/Canvases/main_canvas.json')).toContain('unspecified');
    await writeFile(join(dir, '03_Renders/clip.mp4'), Buffer.alloc(4096, 7));
    git(dir, 'add', '03_Renders/clip.mp4');
    git(dir, 'commit', '-qm', 'add a clip');
    expect(git(dir, 'lfs', 'ls-files', '--name-only').trim()).toBe('03_Renders/clip.mp4');
    expect(git(dir, 'cat-file', '-p', 'HEAD:03_Renders/clip.mp4')).toContain('version https://git-lfs.github.com/spec/v1');
    expect(git(dir, 'check-ignore', '06_Exports/final.mp4', '05_Cache/thumb.png').trim().split('\n')).toHaveLength(2);
  });

  it('gives concurrent projects of one name distinct slugs and folders', async () => {
    const made = await Promise.all(Array.from({ length: 6 }, () => createProject({ workspace, templatesDir, request: { name: 'Same Name' } })));
    const ids = made.map((m) => m.id).sort();
    expect(new Set(ids).size).toBe(6);
    expect(ids).toContain('same-name');
    expect(ids).toContain('same-name-6');
  });

  // Names the schema refuses never get here: the route parses them (api.test.ts).
  it('turns hostile names into safe slugs inside the workspace', async () => {
    for (const name of ['../../etc', '..', '/etc/passwd', 'con', '🎬🎥🎞️', 'x'.repeat(150)]) {
      const { id, dir } = await createProject({ workspace, templatesDir, request: { name } });
      expect(id).toMatch(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/);
      expect(dir.startsWith(workspace.projectsDir + '/')).toBe(true);
    }
    await expect(createProject({ workspace, templatesDir, request: {} })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    expect(await readdir(workspace.stagingDir)).toEqual([]);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';
import { createProject } from './create-project.ts';
import { recoverProject } from './recover-project.ts';
import { ensureWorkspace, workspaceAt, type Workspace } from './workspace.ts';

let home: string;
let workspace: Workspace;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'studio-recover-links-'));
  workspace = workspaceAt(home);
  await ensureWorkspace(workspace);
});
afterAll(() => rm(home, { recursive: true, force: true }));

describe('start-up recovery commits files, never links it did not make', () => {
  it('commits an uncommitted take and leaves a symlink beside it uncommitted', async () => {
    const created = await createProject({ workspace, templatesDir: join(REPO_ROOT, 'templates'), request: { name: 'Links' } });
    const dir = join(workspace.projectsDir, created.id);
    await writeFile(join(dir, '03_Renders/orphan.txt'), 'a file the engine wrote');
    await symlink('../.git/config', join(dir, '03_Renders/x.txt'));
    const report = await recoverProject(dir);
    expect(report.recoveredCommit).toBeTruthy();
    const tree = execFileSync('git', ['ls-tree', '-r', '--name-only', 'HEAD', '03_Renders'], { cwd: dir, encoding: 'utf8' });
    expect(tree).toContain('03_Renders/orphan.txt');
    expect(tree).not.toContain('03_Renders/x.txt');
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createProject } from '../projects/create-project.ts';
import { runGit } from '../projects/git.ts';
import type { Workspace } from '../projects/workspace.ts';

function blob(content: string | Buffer): Buffer {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  return Buffer.concat([Buffer.from(`data ${bytes.length}\n`), bytes, Buffer.from('\n')]);
}

/**
 * A real project (createProject: git + LFS) holding `takes` picture takes, each committed the way
 * the take committer does (the media through LFS, a provenance sidecar beside it), one commit per
 * take. Built with `git fast-import` and the LFS objects written straight into the store, then
 * checked out by git-lfs itself: 10,000 takes in seconds instead of an hour of generations.
 */
export async function projectWithTakes(
  workspace: Workspace,
  templatesDir: string,
  name: string,
  { takes, bytesPerTake = 8 * 1024, shots = 100 }: { takes: number; bytesPerTake?: number; shots?: number },
): Promise<{ id: string; dir: string; mediaBytes: number }> {
  const { id, dir } = await createProject({ workspace, templatesDir, request: { name } });
  const start = Math.floor(Date.now() / 1000) - takes - 1;
  const parts: Buffer[] = [];
  const perShot = new Map<number, number>();
  for (let i = 1; i <= takes; i++) {
    const shotIndex = i % shots;
    const take = (perShot.get(shotIndex) ?? 0) + 1;
    perShot.set(shotIndex, take);
    const shot = `SHOT_${String(10 + shotIndex * 10).padStart(3, '0')}`;
    const file = `03_Renders/SCENE_01/${shot}/${shot.replace('_', '-')}_v01_take${String(take).padStart(2, '0')}.png`;
    const media = randomBytes(bytesPerTake);
    const oid = createHash('sha256').update(media).digest('hex');
    const store = join(dir, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4));
    await mkdir(store, { recursive: true });
    await writeFile(join(store, oid), media);
    const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${media.length}\n`;
    const sidecar = JSON.stringify({ format: 1, pipeline: 'fixture', seed: i, params: {}, inputs: [] }, null, 2) + '\n';
    parts.push(
      Buffer.from(`commit refs/heads/main\ncommitter Studio Engine <engine@studio.local> ${start + i} +0000\n`),
      blob(`Take ${file}`),
      Buffer.from(i === 1 ? 'from refs/heads/main^0\n' : ''),
      Buffer.from(`M 100644 inline ${file}\n`),
      blob(pointer),
      Buffer.from(`M 100644 inline ${file.replace(/\.png$/, '.json')}\n`),
      blob(sidecar),
      Buffer.from('\n'),
    );
  }
  if (takes > 0) {
    await runGit(dir, ['fast-import', '--quiet', '--force'], { input: Buffer.concat(parts) });
    // The LFS smudge filter writes each take into the working tree from the store, as a checkout does.
    await runGit(dir, ['reset', '--hard', '--quiet']);
  }
  return { id, dir, mediaBytes: takes * bytesPerTake };
}

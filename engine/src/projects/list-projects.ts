import type { ProjectSummary } from '@studio/node-schemas';
import { lastCommitTime } from './git.ts';
import { readManifest } from './manifest-file.ts';
import { listProjectIds, projectPath, type Workspace } from './workspace.ts';

/** Every project with its last change, newest first. A project that cannot be read is skipped. */
export async function listProjects({
  workspace,
  latestTake = async () => null,
}: {
  workspace: Workspace;
  latestTake?: (projectDir: string) => Promise<string | null>;
}): Promise<ProjectSummary[]> {
  const ids = await listProjectIds(workspace);
  const summaries = await Promise.all(
    ids.map(async (id): Promise<ProjectSummary | null> => {
      const dir = projectPath(workspace, id);
      try {
        const [manifest, updatedAt, take] = await Promise.all([readManifest(dir), lastCommitTime(dir), latestTake(dir)]);
        return {
          id,
          uuid: manifest.uuid,
          name: manifest.title,
          title: manifest.title,
          description: manifest.description,
          project_settings: manifest.project_settings,
          version: manifest.version,
          updated_at: updatedAt,
          latest_take: take,
        };
      } catch {
        return null;
      }
    }),
  );
  return summaries
    .filter((s): s is ProjectSummary => s !== null)
    .sort((a, b) => (b.updated_at ?? '').localeCompare(a.updated_at ?? ''));
}

import { UpdateProjectRequest, type ProjectManifest } from '@studio/node-schemas';
import { InvalidRequestError, StaleVersionError } from '../errors.ts';
import { commitTracked } from './git.ts';
import type { GitQueue } from './git-queue.ts';
import { MANIFEST_FILE } from './layout.ts';
import { readManifest, writeManifest } from './manifest-file.ts';
import { existingProjectPath, type Workspace } from './workspace.ts';

/** Changes title, description and settings under the version rule, and commits what changed. */
export async function updateProject({
  workspace,
  queue,
  id,
  request,
}: {
  workspace: Workspace;
  queue: GitQueue;
  id: string;
  request: unknown;
}): Promise<ProjectManifest> {
  const parsed = UpdateProjectRequest.safeParse(request);
  if (!parsed.success) throw new InvalidRequestError(parsed.error.issues[0]!.message, { field: parsed.error.issues[0]!.path.join('.') });
  const { version, ...changes } = parsed.data;
  const dir = await existingProjectPath(workspace, id);
  return queue.run(id, async () => {
    const current = await readManifest(dir);
    if (current.version !== version) throw new StaleVersionError(version, current.version);
    const next: ProjectManifest = {
      ...current,
      title: changes.title ?? current.title,
      description: changes.description ?? current.description,
      project_settings: {
        aspect_ratio: changes.aspect_ratio ?? current.project_settings.aspect_ratio,
        quality: changes.quality ?? current.project_settings.quality,
        hardware_policy: changes.hardware_policy ?? current.project_settings.hardware_policy,
      },
      version: current.version + 1,
    };
    const described = describeChanges(current, next);
    if (!described.length) return current;
    await writeManifest(dir, next);
    await commitTracked(dir, `Update project: ${described.join(', ')}`, [MANIFEST_FILE]);
    return next;
  });
}

function describeChanges(before: ProjectManifest, after: ProjectManifest): string[] {
  const out: string[] = [];
  if (before.title !== after.title) out.push(`title "${before.title}" -> "${after.title}"`);
  if (before.description !== after.description) out.push('description');
  for (const key of ['quality', 'aspect_ratio', 'hardware_policy'] as const) {
    if (before.project_settings[key] !== after.project_settings[key])
      out.push(`${key.replace('_', ' ')} ${before.project_settings[key]} -> ${after.project_settings[key]}`);
  }
  return out;
}

import { LOCAL_TENANT, type Actor } from '@studio/node-schemas';
import { ProjectNotFoundError } from '../errors.ts';
import { readManifest } from '../projects/manifest-file.ts';
import { existingProjectPath, type Workspace } from '../projects/workspace.ts';
import { GitForbiddenError } from './git-errors.ts';

/** A project repository a request reached: `/git/<tenant>/<project>.git`. */
export interface RepoTarget {
  projectId: string;
  dir: string;
  /** The project's own tenant (project.json; absent: local), which the URL and the actor matched. */
  tenant: string;
}

/**
 * The project a git URL names, checked against who asks: the URL's tenant must be the project's
 * (else it is not found: another tenant's project names are not revealed) and so must the actor's.
 */
export async function resolveRepo(workspace: Workspace, { tenant, repo }: { tenant: string; repo: string }, actor: Actor): Promise<RepoTarget> {
  // Decided on the URL alone, before any disk access: whether the project exists is not revealed.
  if (actor.tenant !== tenant) throw new GitForbiddenError(`the token is for tenant '${actor.tenant}', not '${tenant}'`, { tenant });
  if (!repo.endsWith('.git')) throw new ProjectNotFoundError(repo);
  const projectId = repo.slice(0, -4);
  const dir = await existingProjectPath(workspace, projectId);
  const projectTenant = (await readManifest(dir)).tenant ?? LOCAL_TENANT;
  if (tenant !== projectTenant) throw new ProjectNotFoundError(`${tenant}/${projectId}`);
  return { projectId, dir, tenant: projectTenant };
}

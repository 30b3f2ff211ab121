import { LOCAL_TENANT, type ListedProject } from '@studio/node-schemas';
import { fileUrl } from './file-url.ts';
import { workspaceIndex } from './index/workspace-index.ts';
import type { Workspace } from './workspace.ts';

/** A dashboard card: the summary and how much history and how many takes the project holds. */
export type { ListedProject };

export interface ProjectPage {
  projects: ListedProject[];
  /** How many projects there are in all. */
  total: number;
}

/**
 * A page of one tenant's projects (a project without a tenant is the local tenant's), newest change
 * first, from the workspace index (no git process unless a repository changed behind the engine's
 * back). A project that cannot be read is left out.
 */
export async function listProjects({
  workspace,
  tenant = LOCAL_TENANT,
  limit = Infinity,
  skip = 0,
}: {
  workspace: Workspace;
  tenant?: string;
  limit?: number;
  skip?: number;
}): Promise<ProjectPage> {
  const indexed = (await workspaceIndex(workspace).projects()).filter((p) => (p.manifest.tenant ?? LOCAL_TENANT) === tenant);
  indexed.sort((a, b) => (b.updatedAt ?? '').localeCompare(a.updatedAt ?? '') || a.id.localeCompare(b.id));
  const projects = indexed.slice(skip, skip + limit).map(({ id, manifest, updatedAt, latestTake, commits, takes }): ListedProject => ({
    id,
    uuid: manifest.uuid,
    name: manifest.title,
    title: manifest.title,
    description: manifest.description,
    project_settings: manifest.project_settings,
    version: manifest.version,
    updated_at: updatedAt,
    latest_take: latestTake ? fileUrl(id, latestTake) : null,
    ...(manifest.forked_from ? { forked_from: manifest.forked_from } : {}),
    counts: { commits, takes },
  }));
  return { projects, total: indexed.length };
}

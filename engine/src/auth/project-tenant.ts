import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_TENANT } from '@studio/node-schemas';
import { MANIFEST_FILE } from '../projects/layout.ts';
import { projectPath, type Workspace } from '../projects/workspace.ts';

/**
 * The tenant of each project (project.json `tenant`, absent: `local`), read from disk and kept while
 * the file's mtime and size stay the same, so the gate's check per request is one stat.
 */
export class ProjectTenants {
  readonly #cache = new Map<string, { mtimeMs: number; size: number; tenant: string }>();

  constructor(readonly workspace: Workspace) {}

  /** The project's tenant, or null when there is no such project (or its id could never be one). */
  async of(projectId: string): Promise<string | null> {
    let file: string;
    try {
      file = join(projectPath(this.workspace, projectId), MANIFEST_FILE);
    } catch {
      return null;
    }
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) {
      this.#cache.delete(projectId);
      return null;
    }
    const cached = this.#cache.get(projectId);
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached.tenant;
    let tenant: string | null = null;
    try {
      const manifest = JSON.parse(await readFile(file, 'utf8')) as { tenant?: unknown };
      tenant = typeof manifest.tenant === 'string' && manifest.tenant ? manifest.tenant : LOCAL_TENANT;
    } catch {
      // A project.json that cannot be read belongs to no one we can prove: nobody but the local tenant's checks pass.
      return null;
    }
    this.#cache.set(projectId, { mtimeMs: info.mtimeMs, size: info.size, tenant });
    return tenant;
  }
}

import { stat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AssetId, LOCAL_TENANT, TenantName } from '@studio/node-schemas';
import type { GitQueue } from '../projects/git-queue.ts';
import type { Workspace } from '../projects/workspace.ts';
import { AssetLibrary, libraryRoot } from './asset-library.ts';

/**
 * Every tenant's own asset library (docs/users-and-tenants.md#tenancy): a tenant's users see and use
 * only theirs. The local tenant's is the single-user default's, where it always was.
 */
export class TenantLibraries {
  readonly #libraries = new Map<string, AssetLibrary>();
  readonly #tenantOfAsset = new Map<string, string>();

  constructor(
    private readonly workspace: Workspace,
    private readonly queue: GitQueue,
    private readonly templatesDir: string,
  ) {}

  of(tenant: string = LOCAL_TENANT): AssetLibrary {
    let library = this.#libraries.get(tenant);
    if (!library) {
      library = new AssetLibrary(this.workspace, this.queue, this.templatesDir, tenant);
      this.#libraries.set(tenant, library);
    }
    return library;
  }

  /** The tenant whose library holds an asset (ids are random, one library has each), or null when none does. */
  async tenantOfAsset(id: string): Promise<string | null> {
    if (!AssetId.safeParse(id).success) return null;
    const known = this.#tenantOfAsset.get(id);
    if (known) return known;
    const has = async (tenant: string) => Boolean(await stat(join(libraryRoot(this.workspace, tenant), id, 'asset.json')).catch(() => null));
    const others = (await readdir(join(this.workspace.home, 'Library', 'Tenants')).catch(() => [] as string[])).filter(
      (t) => t !== LOCAL_TENANT && TenantName.safeParse(t).success,
    );
    for (const tenant of [LOCAL_TENANT, ...others])
      if (await has(tenant)) {
        this.#tenantOfAsset.set(id, tenant);
        return tenant;
      }
    return null;
  }
}

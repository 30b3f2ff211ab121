import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProjectRepository } from '../projects/repository/project-repository.ts';
import type { AssetLibrary } from './asset-library.ts';

/**
 * Files of the workspace Library a generation puts into its project (an asset's image or LoRA, with
 * the asset's manifest), as one commit. Planned while the request is prepared and committed only once
 * the generation is accepted, so a refused one (over budget, no capable worker) commits nothing.
 */
export interface ProjectCopy {
  /** The file whose presence means the copy is done (a second generation copies nothing). */
  marker: string;
  message: string;
  files: Array<{ path: string; library: { assetId: string; rel: string } } | { path: string; content: string }>;
}

/** Commits each copy not yet in the project, one commit each, in the project's git queue. */
export async function commitProjectCopies(copies: readonly ProjectCopy[], library: AssetLibrary, repository: ProjectRepository): Promise<void> {
  for (const copy of copies) {
    await repository.exclusive(async (held) => {
      if (await held.exists(copy.marker)) return;
      const scratch = await mkdtemp(join(tmpdir(), 'studio-asset-copy-'));
      try {
        const files = await Promise.all(
          copy.files.map(async (file, i) => {
            if (!('library' in file)) return file;
            const from = join(scratch, String(i));
            await library.exportFile(file.library.assetId, file.library.rel, from);
            return { path: file.path, from };
          }),
        );
        await held.commit({ actor: undefined, message: copy.message, files });
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    });
  }
}

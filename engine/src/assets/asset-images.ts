import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { GenerateJobData } from '../jobs/job-types.ts';
import { atomicWriteFile } from '../projects/atomic-write.ts';
import { commitPaths } from '../projects/git.ts';
import type { GitQueue } from '../projects/git-queue.ts';
import type { AssetLibrary } from './asset-library.ts';
import { AssetNotFoundError } from './asset-errors.ts';
import { assetSnapshot } from './asset-snapshot.ts';
import { PROJECT_ASSETS_DIR, parseProjectAssetImage } from '../projects/asset-paths.ts';

/**
 * A library asset's image feeding a Shot's image socket (buildGenerationRequest names it by its
 * project path, 01_Assets/Generative_Assets/<asset>/images/<id>.<ext>): before the job runs the
 * image is copied there from the workspace Library, with the asset's manifest, and committed, so the
 * project stays self-contained and the take's inputs name a file of the project. Once there, it is
 * not copied again.
 */
export async function attachAssetImages({
  data,
  library,
  queue,
  projectDir,
}: {
  data: GenerateJobData;
  library: AssetLibrary;
  queue: GitQueue;
  projectDir: string;
}): Promise<GenerateJobData> {
  const wanted = Object.values(data.inputs)
    .map(parseProjectAssetImage)
    .filter((x): x is { assetId: string; image: string } => x !== null);
  for (const { assetId, image } of wanted) {
    const target = `${PROJECT_ASSETS_DIR}/${assetId}/${image}`;
    if (await stat(join(projectDir, target)).catch(() => null)) continue;
    const asset = await library.get(assetId);
    const entry = asset.images.find((i) => i.file === image);
    if (!entry)
      throw new AssetNotFoundError(`${asset.name} has no image ${image.slice(7, 40)} any more: choose another of its images`, {
        asset: assetId,
        image: image.slice(0, 80),
      });
    const snapshot = `${PROJECT_ASSETS_DIR}/${assetId}/asset.json`;
    await queue.run(data.projectId, async () => {
      if (await stat(join(projectDir, target)).catch(() => null)) return;
      await mkdir(dirname(join(projectDir, target)), { recursive: true });
      await library.exportFile(assetId, image, join(projectDir, target));
      await atomicWriteFile(join(projectDir, snapshot), assetSnapshot(asset));
      await commitPaths(projectDir, `Asset ${asset.name}: image ${entry.original_name || entry.id} added to the project`, [target, snapshot]);
    });
  }
  return data;
}
